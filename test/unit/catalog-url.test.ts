import { describe, expect, it } from 'vitest';
import { CatalogError, catalogPath, parseCatalogUrl } from '../../main/core/catalog/index.js';

describe('parseCatalogUrl', () => {
  it('reads an https catalog URL', () => {
    expect(parseCatalogUrl('https://www.eye-ai.org/ermrest/catalog/2')).toEqual({
      origin: 'https://www.eye-ai.org',
      hostname: 'www.eye-ai.org',
      host: 'www.eye-ai.org',
      catalog: '2',
      snapshot: null,
    });
  });

  it('reads a snapshot, a port and a trailing slash', () => {
    const url = parseCatalogUrl(' https://host.example:8443/ermrest/catalog/1@361-XRNG-TRRP/ ');
    expect(url).toMatchObject({
      origin: 'https://host.example:8443',
      hostname: 'host.example',
      host: 'host.example:8443',
      catalog: '1',
      snapshot: '361-XRNG-TRRP',
    });
    expect(catalogPath(url)).toBe('/ermrest/catalog/1@361-XRNG-TRRP');
  });

  it.each([
    'http://127.0.0.1:8480/ermrest/catalog/1',
    'http://localhost/ermrest/catalog/1',
    'http://[::1]:9/ermrest/catalog/1',
  ])('allows plain http on loopback: %s', (text) => {
    expect(parseCatalogUrl(text).catalog).toBe('1');
  });

  it('refuses plain http elsewhere with one sentence', () => {
    let error: unknown;
    try {
      parseCatalogUrl('http://www.example.org/ermrest/catalog/1');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).kind).toBe('bad-url');
    expect((error as CatalogError).message).toBe(
      'Satchel talks to www.example.org only over https; plain http is allowed only for 127.0.0.1, localhost and [::1].',
    );
  });

  it.each([
    ['not a url', /is not a URL/],
    ['https://host/chaise/recordset/#1/x:y', /query or fragment/],
    ['https://host/ermrest/catalog/', /is not a catalog URL/],
    ['https://host/ermrest/catalog/1/entity/x:y', /is not a catalog URL/],
    ['https://user:pw@host/ermrest/catalog/1', /user name or password/],
    ['ftp://host/ermrest/catalog/1', /uses ftp/],
  ])('refuses %s', (text, pattern) => {
    expect(() => parseCatalogUrl(text)).toThrow(pattern);
  });
});
