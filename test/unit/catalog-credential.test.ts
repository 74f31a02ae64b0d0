import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  credentialFor,
  credentialHeaders,
  parseCredentialFile,
  pastedCredential,
} from '../../main/core/catalog/index.js';
import { temporaryDirectory } from '../support/fixtures.js';

const scratch = temporaryDirectory();
afterAll(() => scratch.cleanup());

describe('credential.json as deriva-py reads it', () => {
  const file = JSON.stringify({
    'www.example.org': { cookie: 'webauthn=8nYoXhJHro2TsUSNA7dB3Tqa' },
    'other.example.org': { 'bearer-token': 'tok-123', auth_type: 'user' },
    'both.example.org': { cookie: 'webauthn=abc', 'bearer-token': 'wins' },
    'robot.example.org': { cookie: 'webauthn=robotkey; Path=/' },
    'legacy.example.org': { username: 'testuser', password: 'secret' },
    'broken.example.org': { cookie: 42 },
    'empty.example.org': {},
  });

  it('finds a cookie entry, exact host first then lower case', () => {
    expect(parseCredentialFile(file, 'www.example.org', 'c.json')).toEqual({
      kind: 'cookie',
      value: 'webauthn=8nYoXhJHro2TsUSNA7dB3Tqa',
    });
    expect(parseCredentialFile(file, 'WWW.Example.ORG', 'c.json')).toEqual({
      kind: 'cookie',
      value: 'webauthn=8nYoXhJHro2TsUSNA7dB3Tqa',
    });
  });

  it('prefers a bearer token over a cookie, as deriva-py does', () => {
    expect(parseCredentialFile(file, 'other.example.org', 'c.json')).toEqual({
      kind: 'bearer',
      value: 'tok-123',
    });
    expect(parseCredentialFile(file, 'both.example.org', 'c.json')).toEqual({
      kind: 'bearer',
      value: 'wins',
    });
  });

  it('keeps only the cookie pair of a cookie with attributes', () => {
    expect(parseCredentialFile(file, 'robot.example.org', 'c.json')).toEqual({
      kind: 'cookie',
      value: 'webauthn=robotkey',
    });
  });

  it('returns user name and password entries for a login', () => {
    expect(parseCredentialFile(file, 'legacy.example.org', 'c.json')).toEqual({
      kind: 'password',
      username: 'testuser',
      password: 'secret',
    });
  });

  it('returns null for an unknown host and refuses malformed entries with a sentence', () => {
    expect(parseCredentialFile(file, 'nowhere.example.org', 'c.json')).toBeNull();
    expect(() => parseCredentialFile(file, 'broken.example.org', 'c.json')).toThrow(
      'c.json has an entry for broken.example.org that is not an object of strings.',
    );
    expect(() => parseCredentialFile(file, 'empty.example.org', 'c.json')).toThrow(/neither a cookie/);
    expect(() => parseCredentialFile('{nope', 'x', 'c.json')).toThrow('c.json is not valid JSON.');
    expect(() => parseCredentialFile('[1]', 'x', 'c.json')).toThrow(/not a JSON object keyed by host name/);
  });

  it('reads the file from disk and treats a missing file as no credential', async () => {
    const credentialFile = path.join(scratch.dir, 'credential.json');
    fs.writeFileSync(credentialFile, file);
    await expect(credentialFor('www.example.org', credentialFile)).resolves.toEqual({
      kind: 'cookie',
      value: 'webauthn=8nYoXhJHro2TsUSNA7dB3Tqa',
    });
    await expect(credentialFor('www.example.org', path.join(scratch.dir, 'absent.json'))).resolves.toBeNull();
  });
});

describe('pasted credentials and headers', () => {
  it('reads a bare session key, a cookie pair and a bearer token', () => {
    expect(pastedCredential('  abcDEF123  ')).toEqual({ kind: 'cookie', value: 'webauthn=abcDEF123' });
    expect(pastedCredential('ermrest=xyz')).toEqual({ kind: 'cookie', value: 'ermrest=xyz' });
    expect(pastedCredential('Bearer eyJhbGciOi')).toEqual({ kind: 'bearer', value: 'eyJhbGciOi' });
    expect(() => pastedCredential('')).toThrow('The pasted credential is empty.');
    expect(() => pastedCredential('two words')).toThrow(/contains spaces/);
  });

  it('turns credentials into request headers', () => {
    expect(credentialHeaders({ kind: 'cookie', value: 'webauthn=k' })).toEqual({ cookie: 'webauthn=k' });
    expect(credentialHeaders({ kind: 'bearer', value: 't' })).toEqual({ authorization: 'Bearer t' });
    expect(credentialHeaders(null)).toEqual({});
  });
});
