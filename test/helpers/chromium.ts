/**
 * Headless Chromium for the browser tests, driven by playwright-core (no browser download): the
 * one `CHROMIUM_PATH` names, else the first installed Chromium or Chrome found at the usual paths
 * or on the PATH (Debian's /usr/bin/chromium is what .ci/run installs). A missing browser fails
 * the tests with one line saying how to install one; it never skips them.
 * Nothing here reaches past loopback: background networking, sync and updates are off.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Where Chromium and Chrome are installed on Debian/Ubuntu, Fedora, snap, Homebrew and macOS. */
export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/opt/google/chrome/chrome',
  '/usr/local/bin/chromium',
  '/opt/homebrew/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
] as const;

/** The names looked up on the PATH when no usual path has a browser. */
const ON_PATH = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

export class ChromiumMissingError extends Error {
  override readonly name = 'ChromiumMissingError';
  readonly code = 'chromium.missing';
  constructor(message: string) {
    super(message);
    // One line in the test report: where it was thrown from is no help to someone without a browser.
    this.stack = `${this.name}: ${message}`;
  }
}

export interface FindChromiumOptions {
  env?: NodeJS.ProcessEnv;
  /** Whether a file exists and may be run (default: the file system). */
  isExecutable?: (file: string) => boolean;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The browser the tests will drive; throws ChromiumMissingError (one line) when there is none. */
export function findChromium(options: FindChromiumOptions = {}): string {
  const env = options.env ?? process.env;
  const isExecutable = options.isExecutable ?? executable;
  const chosen = env.CHROMIUM_PATH?.trim();
  if (chosen) {
    if (isExecutable(chosen)) return chosen;
    throw new ChromiumMissingError(
      `CHROMIUM_PATH=${chosen} is not an executable file: point it at a Chromium or Chrome binary, or unset it to look in the usual places`,
    );
  }
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const found =
    CHROMIUM_CANDIDATES.find(isExecutable) ??
    ON_PATH.flatMap((name) => dirs.map((dir) => path.join(dir, name))).find(isExecutable);
  if (found) return found;
  throw new ChromiumMissingError(
    'no Chromium or Chrome found for the browser tests: install one (Debian/Ubuntu: `sudo apt-get install chromium`; macOS: `brew install --cask chromium`) or set CHROMIUM_PATH=/path/to/chrome',
  );
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
