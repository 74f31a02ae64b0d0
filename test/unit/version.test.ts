import { describe, expect, it } from 'vitest';
import { compareVersions, highestVersion } from '../../main/core/bag/index.js';

describe('PEP 440 version ordering', () => {
  it('orders numerically, not as text', () => {
    expect(compareVersions('0.10.0', '0.9.0')).toBe(1);
    expect(highestVersion(['0.9.0', '0.10.0', '0.2.0'])).toBe('0.10.0');
  });

  it('puts a dev row after its release and before the next post release', () => {
    const sorted = [
      '1.0.0.post1',
      '1.0.0',
      '1.0.0.post1.dev2',
      '1.0.0.post1.dev10',
      '1.1.0',
      '1.0.0rc1',
      '1.0.0.dev1',
    ].sort(compareVersions);
    expect(sorted).toEqual([
      '1.0.0.dev1',
      '1.0.0rc1',
      '1.0.0',
      '1.0.0.post1.dev2',
      '1.0.0.post1.dev10',
      '1.0.0.post1',
      '1.1.0',
    ]);
  });

  it('treats 1.0 and 1.0.0 as equal', () => {
    expect(compareVersions('1.0', '1.0.0')).toBe(0);
  });

  it('returns null when there is no version', () => {
    expect(highestVersion([])).toBeNull();
  });
});
