import { describe, expect, it } from 'vitest';
import { CHROMIUM_CANDIDATES, ChromiumMissingError, findChromium } from '../helpers/chromium.ts';

const only =
  (...present: string[]) =>
  (file: string) =>
    present.includes(file);

describe('finding a browser for the browser tests', () => {
  it('takes the one CHROMIUM_PATH names, before any installed one', () => {
    const found = findChromium({
      env: { CHROMIUM_PATH: '/opt/my/chrome' },
      isExecutable: only('/opt/my/chrome', '/usr/bin/chromium'),
    });
    expect(found).toBe('/opt/my/chrome');
  });

  it.each(['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'])(
    'finds a browser installed at %s',
    (path) => {
      expect(findChromium({ env: {}, isExecutable: only(path) })).toBe(path);
    },
  );

  it('prefers Debian’s chromium when several are installed', () => {
    expect(CHROMIUM_CANDIDATES[0]).toBe('/usr/bin/chromium');
    const found = findChromium({
      env: {},
      isExecutable: only('/usr/bin/google-chrome', '/usr/bin/chromium'),
    });
    expect(found).toBe('/usr/bin/chromium');
  });

  it('finds a browser on the PATH when none is at the usual paths', () => {
    const found = findChromium({
      env: { PATH: '/home/me/bin:/nix/bin' },
      isExecutable: only('/nix/bin/chromium'),
    });
    expect(found).toBe('/nix/bin/chromium');
  });

  it('fails with one line saying how to install one when there is none', () => {
    const find = () => findChromium({ env: { PATH: '/usr/bin' }, isExecutable: () => false });
    expect(find).toThrow(ChromiumMissingError);
    try {
      find();
    } catch (error) {
      const e = error as ChromiumMissingError;
      expect(e.code).toBe('chromium.missing');
      expect(e.message).toContain('apt-get install chromium');
      expect(e.message).toContain('CHROMIUM_PATH');
      // What the test report prints: the one line, no stack frames.
      expect(e.stack?.split('\n')).toHaveLength(1);
    }
  });

  it('says so when CHROMIUM_PATH names no executable, rather than quietly using another browser', () => {
    const find = () =>
      findChromium({ env: { CHROMIUM_PATH: '/nowhere/chrome' }, isExecutable: only('/usr/bin/chromium') });
    expect(find).toThrow(/CHROMIUM_PATH=\/nowhere\/chrome is not an executable file/);
  });
});
