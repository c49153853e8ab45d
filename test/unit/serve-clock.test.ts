import { afterEach, describe, expect, it } from 'vitest';
import { installSimClock, type SimClock } from '../../local/clock.ts';
import { driveClock } from '../../local/serve/clock-driver.ts';

const START = new Date('2026-03-02T09:00:00.000Z');
const HOUR = 3_600_000;
const realSetTimeout = globalThis.setTimeout;
const realSleep = (ms: number) => new Promise((resolve) => realSetTimeout(resolve, ms));

let clock: SimClock | undefined;
afterEach(() => {
  clock?.uninstall();
  clock = undefined;
});

describe('the clock herald serve drives', () => {
  it('stands still by hand until advanced, then runs what fell due, in order, and nothing later', async () => {
    clock = installSimClock(START);
    const driver = driveClock(clock, { kind: 'manual' });
    const ran: string[] = [];
    const at = (hours: number, name: string) =>
      clock!.at(new Date(START.getTime() + hours * HOUR), async () => {
        ran.push(`${name}@${clock!.now().toISOString()}`);
      });
    at(3, 'third');
    at(1, 'first');
    at(2, 'second');
    await realSleep(50);
    expect(ran).toEqual([]);
    expect(driver.now()).toEqual(START);

    const now = await driver.advance(2.5 * HOUR);
    expect(now.toISOString()).toBe('2026-03-02T11:30:00.000Z');
    expect(ran).toEqual(['first@2026-03-02T10:00:00.000Z', 'second@2026-03-02T11:00:00.000Z']);
    await driver.advance(HOUR);
    expect(ran.at(-1)).toBe('third@2026-03-02T12:00:00.000Z');
    await driver.stop();
  });

  it('moves by itself when sped up, firing the timers it passes', async () => {
    clock = installSimClock(START);
    const driver = driveClock(clock, { kind: 'speed', speed: 3600 * 100 }, { tickMs: 10 });
    let fired: string | undefined;
    clock.at(new Date(START.getTime() + 2 * HOUR), async () => {
      fired = clock!.now().toISOString();
    });
    for (let i = 0; i < 500 && fired === undefined; i++) await realSleep(10);
    await driver.stop();
    expect(fired).toBe('2026-03-02T11:00:00.000Z');
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(START.getTime() + 2 * HOUR);
  });
});
