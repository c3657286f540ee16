import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfigFile } from '../src/index.js';

/**
 * No Docker engine runs here, so the compose setup is checked for consistency instead: every
 * file, build context and port it names exists and agrees with the server's configuration.
 */
const root = fileURLToPath(new URL('../../..', import.meta.url));
const compose = parseYaml(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<
    string,
    {
      build?: string | { context: string; dockerfile?: string };
      ports?: string[];
      volumes?: string[];
      environment?: Record<string, string>;
      depends_on?: Record<string, { condition: string }>;
      entrypoint?: string[];
      healthcheck?: unknown;
    }
  >;
  volumes: Record<string, unknown>;
};
const services = compose.services;

function buildContext(name: string): string {
  const build = services[name]?.build;
  const context = typeof build === 'string' ? build : (build?.context ?? '');
  return path.join(root, context);
}

/** Sources of COPY lines in a Dockerfile (from the build context, not `--from=` stages). */
function copySources(dockerfile: string): string[] {
  return readFileSync(dockerfile, 'utf8')
    .split('\n')
    .filter((line) => /^COPY\s/.test(line) && !line.includes('--from='))
    .flatMap((line) => line.trim().split(/\s+/).slice(1, -1));
}

const serverConfigMount = (services.server?.volumes ?? []).find((v) =>
  v.endsWith(':/etc/ogent/config.yaml:ro'),
);
const configFile = path.join(root, (serverConfigMount ?? '').split(':')[0] ?? '');
/** What compose passes the server for a variable the shell leaves unset (`${NAME:-default}`). */
function composeDefault(name: string): string {
  const value = services.server?.environment?.[name] ?? '';
  return /^\$\{\w+:-(.*)\}$/.exec(value)?.[1] ?? value;
}
const config = loadConfigFile(configFile, {
  OGENT_ADMIN_PASSWORD: 'compose-test-password',
  TARGET_HOST_KEY_SHA256: `SHA256:${'A'.repeat(43)}`,
  OGENT_PUBLIC_URL: composeDefault('OGENT_PUBLIC_URL'),
  OGENT_TRUSTED_PROXY: composeDefault('OGENT_TRUSTED_PROXY'),
});

describe('docker-compose.yml', () => {
  it('has the server, the Ubuntu target and the key generator', () => {
    expect(Object.keys(services).sort()).toEqual(['keys', 'server', 'target']);
  });

  it.each(['keys', 'server', 'target'])(
    '%s: its build context and Dockerfile exist, with every COPY source',
    (name) => {
      const context = buildContext(name);
      const dockerfile = path.join(context, 'Dockerfile');
      expect(existsSync(dockerfile)).toBe(true);
      for (const source of copySources(dockerfile)) {
        expect(existsSync(path.join(context, source)), `${name}: COPY ${source}`).toBe(true);
      }
    },
  );

  it('every bind-mounted file exists and every named volume is declared', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const [source = ''] = volume.split(':');
        if (source.startsWith('.'))
          expect(existsSync(path.join(root, source)), `${name}: ${source}`).toBe(true);
        else expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
      }
    }
  });

  it('entrypoint scripts exist and are executable', () => {
    for (const script of [
      'deploy/server/entrypoint.sh',
      'deploy/target/entrypoint.sh',
      'deploy/target/keys-init.sh',
    ]) {
      const file = path.join(root, script);
      expect(() => accessSync(file, constants.X_OK), script).not.toThrow();
      expect(statSync(file).isFile()).toBe(true);
    }
  });

  it('the server publishes the port its config listens on, on all interfaces in the container', () => {
    expect(config.server.host).toBe('0.0.0.0');
    expect(services.server?.ports).toEqual([`${config.server.port}:${config.server.port}`]);
    expect(config.server.dataDir).toBe('/data');
    expect(services.server?.volumes).toContain('data:/data');
    expect(services.server?.environment?.OGENT_CONFIG).toBe('/etc/ogent/config.yaml');
  });

  it('the browser may connect from the URL people are told to open, on the published port', () => {
    // The server listens on 0.0.0.0 in the container, which says nothing about the name people
    // use: publicUrl does, and the WebSocket accepts pages from its origin only.
    expect(config.server.publicUrl).toBe('http://localhost:3000');
    const published = (services.server?.ports?.[0] ?? '').split(':')[0];
    expect(new URL(config.server.publicUrl ?? 'http://invalid').port).toBe(published);
    const composeFile = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    expect(composeFile).toContain(`open ${config.server.publicUrl} `);
  });

  it('the ssh target in the config is the target service, with the generated key and a pinned host key', () => {
    const target = config.targets.find((t) => t.transport === 'ssh');
    expect(target).toMatchObject({
      host: 'target',
      port: 22,
      username: 'ogent',
      privateKeyPath: '/keys/id_ed25519',
    });
    expect(target?.transport === 'ssh' ? target.hostKeySha256 : undefined).toBe(
      `SHA256:${'A'.repeat(43)}`,
    );
    // The user the config logs in as is the one the target image creates.
    expect(readFileSync(path.join(buildContext('target'), 'Dockerfile'), 'utf8')).toContain(
      'useradd --create-home --shell /bin/bash ogent',
    );
    // The key files the config and the target read are the ones keys-init.sh writes.
    const init = readFileSync(path.join(root, 'deploy/target/keys-init.sh'), 'utf8');
    expect(init).toContain('-f id_ed25519');
    expect(init).toContain('-f target_host_ed25519_key');
    const entry = readFileSync(path.join(root, 'deploy/server/entrypoint.sh'), 'utf8');
    expect(entry).toContain('fingerprint /keys/target_host_ed25519_key.pub');
  });

  it('the server waits for generated keys and a healthy target, and has a health check', () => {
    expect(services.server?.depends_on).toEqual({
      keys: { condition: 'service_completed_successfully' },
      target: { condition: 'service_healthy' },
    });
    expect(services.server?.healthcheck).toBeDefined();
    expect(services.target?.healthcheck).toBeDefined();
  });
});

describe('docker-compose.cluster.yml', () => {
  const cluster = parseYaml(readFileSync(path.join(root, 'docker-compose.cluster.yml'), 'utf8'), {
    merge: true,
  }) as typeof compose & { networks: Record<string, { ipam: { config: { subnet: string }[] } }> };
  const nginxConf = readFileSync(path.join(root, 'deploy/nginx/nginx.conf'), 'utf8');

  it('has nginx, two instances, PostgreSQL, Redis and the target', () => {
    expect(Object.keys(cluster.services).sort()).toEqual(
      ['keys', 'nginx', 'ogent-1', 'ogent-2', 'postgres', 'redis', 'target'].sort(),
    );
  });

  it('nginx sends to exactly the instances, and each instance trusts nginx as its proxy', () => {
    const upstreams = [...nginxConf.matchAll(/server (ogent-\d):3000/g)].map((m) => m[1]);
    expect(upstreams).toEqual(['ogent-1', 'ogent-2']);
    const nginxAddress = (
      cluster.services.nginx as unknown as { networks: { ogent: { ipv4_address: string } } }
    ).networks.ogent.ipv4_address;
    const subnet = cluster.networks.ogent?.ipam.config[0]?.subnet ?? '';
    // nginx's fixed address lies in the compose network's subnet (a /24 here).
    expect(subnet).toMatch(/\/24$/);
    expect(nginxAddress.split('.').slice(0, 3)).toEqual(subnet.split('.').slice(0, 3));
    for (const name of ['ogent-1', 'ogent-2']) {
      const env = cluster.services[name]?.environment ?? {};
      expect(env.OGENT_TRUSTED_PROXY).toBe(nginxAddress);
      expect(env.OGENT_DATABASE_URL).toMatch(/^postgres:\/\/ogent:ogent@postgres:5432\/ogent$/);
      expect(env.OGENT_REDIS_URL).toBe('redis://redis:6379');
    }
  });

  it('the config each instance reads accepts the cluster environment', () => {
    const clustered = loadConfigFile(configFile, {
      OGENT_ADMIN_PASSWORD: 'compose-test-password',
      TARGET_HOST_KEY_SHA256: `SHA256:${'A'.repeat(43)}`,
      OGENT_PUBLIC_URL: 'http://localhost:8080',
      OGENT_TRUSTED_PROXY: '172.28.0.10',
      OGENT_DATABASE_URL: 'postgres://ogent:ogent@postgres:5432/ogent',
      OGENT_REDIS_URL: 'redis://redis:6379',
    });
    expect(clustered.storage).toEqual({
      databaseUrl: 'postgres://ogent:ogent@postgres:5432/ogent',
      redisUrl: 'redis://redis:6379',
    });
    expect(clustered.server.trustedProxies).toEqual(['172.28.0.10']);
  });

  it('the web image stage copies what exists: the nginx config and the built console', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('FROM nginx:1.22 AS web');
    for (const file of ['deploy/nginx/nginx.conf', 'deploy/nginx/ogent-locations.conf']) {
      expect(dockerfile).toContain(`COPY ${file} `);
      expect(existsSync(path.join(root, file))).toBe(true);
    }
    expect(nginxConf).toContain('include /etc/nginx/ogent-locations.conf;');
  });
});
