/**
 * Certificates made in the test with the openssl command (a test CA and leaves signed by it with
 * chosen validity dates — `openssl ca -startdate/-enddate`, so an expired certificate is really
 * expired), and loopback HTTPS servers that present them. Hosts are 127.0.0.1 (IP SAN): no name
 * resolution, nothing leaves the machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Leaf {
  key: string;
  cert: string;
}

const stamp = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
const DAY = 86_400_000;

export async function makeCertificates(): Promise<{ ca: string; leaf(opts: { san: string; from: Date; to: Date }): Promise<Leaf>; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-tls-'));
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  ssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Shipgate Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '1000\n');
  await writeFile(join(dir, 'ca.cnf'), ['[ca]', 'default_ca = d', '[d]', `database = ${dir}/index.txt`, `new_certs_dir = ${dir}`, `serial = ${dir}/serial`, `private_key = ${dir}/ca.key`, `certificate = ${dir}/ca.pem`, 'default_md = sha256', 'policy = p', 'copy_extensions = copy', 'unique_subject = no', '[p]', 'commonName = supplied', ''].join('\n'));
  let n = 0;
  return {
    ca: await readFile(join(dir, 'ca.pem'), 'utf8'),
    async leaf({ san, from, to }) {
      const name = `leaf${++n}`;
      ssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${san.replace(/^(DNS|IP):/, '')}`, '-addext', `subjectAltName=${san}`]);
      ssl(['ca', '-batch', '-config', 'ca.cnf', '-in', `${name}.csr`, '-out', `${name}.pem`, '-notext', '-startdate', stamp(from), '-enddate', stamp(to)]);
      return { key: await readFile(join(dir, `${name}.key`), 'utf8'), cert: await readFile(join(dir, `${name}.pem`), 'utf8') };
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

export const days = (n: number) => new Date(Date.now() + n * DAY);

/** An HTTPS server on 127.0.0.1 presenting `leaf`. */
export async function httpsServer(leaf: Leaf): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createHttpsServer({ key: leaf.key, cert: leaf.cert }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `https://127.0.0.1:${port}`, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

/** A TCP server that accepts connections and never says a word: what a firewalled or hung host looks like. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { port, close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }) };
}
