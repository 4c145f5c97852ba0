import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../config.js';

describe('partner settings', () => {
  it('defaults to 50 distinct persons an hour', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).partnerEnumeration).toEqual({
      limit: 50,
      windowSeconds: 3600,
    });
  });

  it.each([
    ['TEEKA_PARTNER_ENUMERATION_LIMIT', '0'],
    ['TEEKA_PARTNER_ENUMERATION_LIMIT', 'many'],
    ['TEEKA_PARTNER_ENUMERATION_WINDOW_SECONDS', '59'],
    ['TEEKA_PARTNER_ENUMERATION_WINDOW_SECONDS', '604801'],
  ])('refuses %s=%s with one line naming it', (name, value) => {
    expect(() => loadConfig({ NODE_ENV: 'test', [name]: value })).toThrow(
      `Invalid configuration: ${name}="${value}" is not valid: expected`,
    );
  });
});
