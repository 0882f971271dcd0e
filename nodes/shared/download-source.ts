/** What the download node fetches, from the shapes users have in messages. */
import { ShotGridError, type DownloadSource } from '../../lib/index.js';
import { kindOf } from './properties.js';

/** What to download, from a URL, an attachment/url-field value, or a record plus a field name. */
export function toDownloadSource(value: unknown, field: string | undefined): DownloadSource {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (typeof v.url === 'string' && v.url !== '') return v as DownloadSource;
    const id = typeof v.id === 'string' ? Number(v.id) : v.id;
    if (typeof v.type === 'string' && typeof id === 'number' && Number.isInteger(id)) {
      // An Attachment record's file is its `this_file` field.
      const name = field ?? (v.type === 'Attachment' ? 'this_file' : undefined);
      if (!name) throw new ShotGridError('SG_CONFIG', `source is a ${v.type} record: set the field to download (e.g. sg_uploaded_movie)`);
      // The field is read again rather than taken from the record: its signed URL may have expired.
      return { type: v.type, id, field: name };
    }
  }
  throw new ShotGridError('SG_CONFIG', `source must be a URL, an attachment value with a url, or a record {type, id} (got ${kindOf(value)})`);
}

