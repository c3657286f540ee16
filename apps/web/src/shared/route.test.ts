import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from './route';

const RUN = '0b5f2c1e-6d1c-4f7e-9a0e-2f8a6c1d9b11';

describe('routes', () => {
  it.each([
    ['', { name: 'console' }],
    ['#/', { name: 'console' }],
    ['#/storage', { name: 'storage' }],
    ['#/storage/x', { name: 'console' }],
    [`#/executions/${RUN}`, { name: 'execution', id: RUN }],
    [`#/executions/${RUN}/L120`, { name: 'execution', id: RUN, lines: { from: 120, to: 120 } }],
    [
      `#/executions/${RUN.toUpperCase()}/L120-L140`,
      { name: 'execution', id: RUN, lines: { from: 120, to: 140 } },
    ],
    [
      `#/executions/${RUN}/L140-L120`,
      { name: 'execution', id: RUN, lines: { from: 120, to: 140 } },
    ],
    [`#/executions/${RUN}/L0`, { name: 'console' }],
    [`#/executions/${RUN}/L12-`, { name: 'console' }],
    [`#/executions/${RUN}/`, { name: 'console' }],
    [`#/executions/${RUN}/L1/x`, { name: 'console' }],
    [`#/runs/${RUN}`, { name: 'run', id: RUN, host: null }],
    [
      `#/runs/${RUN.toUpperCase()}/hosts/web-01.dc_2`,
      { name: 'run', id: RUN, host: 'web-01.dc_2' },
    ],
    [`#/runs/${RUN}/hosts/`, { name: 'console' }],
    [`#/runs/${RUN}/hosts/-web`, { name: 'console' }],
    ['#/runs/not-a-run', { name: 'console' }],
  ] as const)('reads %j', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it('writes what it reads', () => {
    for (const route of [
      { name: 'console' },
      { name: 'storage' },
      { name: 'execution', id: RUN },
      { name: 'execution', id: RUN, lines: { from: 7, to: 7 } },
      { name: 'execution', id: RUN, lines: { from: 7, to: 90 } },
      { name: 'run', id: RUN, host: null },
      { name: 'run', id: RUN, host: 'web-7' },
    ] as const) {
      expect(parseRoute(routeHref(route))).toEqual(route);
    }
  });
});
