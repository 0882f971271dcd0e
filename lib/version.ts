/** The library's version (kept in step with package.json; sent in the default User-Agent). */
export const LIBRARY_VERSION = '0.1.0';
