/**
 * The few members of shotgun-nodejs (Autodesk's JS client, a devDependency of the bench only:
 * P12 and P13 compare against it) that the bench calls. The package ships no types.
 */
declare module 'shotgun-nodejs' {
  export interface ShotgunCredentials {
    grant_type: 'client_credentials' | 'password' | 'session_token' | 'refresh_token';
    client_id?: string;
    client_secret?: string;
  }
  export interface PaginatedRecordResponse {
    data: Array<Record<string, unknown>>;
    reachedEnd(): boolean;
  }
  export class ShotgunApiClient {
    constructor(options: { siteUrl: string; credentials: ShotgunCredentials; debug?: boolean });
    entitySearch(options: { entity: string; filters: unknown; fields?: string[] | string; sort?: string; pageSize?: number; pageNumber?: number }): Promise<PaginatedRecordResponse>;
    entityItemUpload(options: { entity: string; entityId: number; fieldName?: string; targetFileName: string; uploadFileBlob: unknown; additionalUploadData?: Record<string, unknown> }): Promise<void>;
  }
}
