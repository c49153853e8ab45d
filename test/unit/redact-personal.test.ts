import { describe, expect, it } from 'vitest';
import { REDACTED, redactPersonal } from '../../engine/privacy/redact.ts';
import { loadWorkflowsVocabulary } from '../../local/journeys.ts';

describe('herald report redacts attributes the data dictionary declares personal', () => {
  const personal = loadWorkflowsVocabulary().piiAttributes;

  it('finds the pii flag of workflows/data.json (postcode)', () => {
    expect(personal.has('postcode')).toBe(true);
  });

  it('replaces every value of a personal key, at any depth, and keeps the rest', () => {
    const records = {
      enrollments: [
        {
          enrollment: {
            journeyId: 'welcome',
            event: {
              type: 'profile_updated',
              properties: { profile: { attributes: { postcode: 'SW1A 1AA', loyaltyTier: 'gold' } } },
            },
          },
          status: 'active',
        },
      ],
      ledger: [
        { facts: { postcode: 'EC1A 1BB', type: 'Open' }, result: { items: [{ postcode: 'N1 9GU' }] } },
      ],
    };
    const out = redactPersonal(records, personal);
    const text = JSON.stringify(out);
    for (const value of ['SW1A 1AA', 'EC1A 1BB', 'N1 9GU']) expect(text).not.toContain(value);
    expect(out.enrollments[0]!.enrollment.event.properties.profile.attributes).toEqual({
      postcode: REDACTED,
      loyaltyTier: 'gold',
    });
    expect(out.ledger[0]!.facts).toEqual({ postcode: REDACTED, type: 'Open' });
    // The input is not changed.
    expect(records.ledger[0]!.facts.postcode).toBe('EC1A 1BB');
  });
});
