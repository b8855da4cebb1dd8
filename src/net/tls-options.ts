/**
 * TLS for FrameServer and FrameClient (node:tls), from PEM files named on the command line:
 *
 *   server: --tls-cert FILE --tls-key FILE [--tls-ca FILE]   (with a CA: clients must show a
 *           certificate it signed; without: no client certificate is asked for)
 *   client: --tls-ca FILE [--tls-cert FILE --tls-key FILE]   (the CA that signed the server's
 *           certificate; a certificate of our own when the server asks for one)
 *
 * Files are read once at start; one that cannot be read is E_TLS_FAILED naming the flag.
 * On one host the default stays plain TCP on loopback.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, TradingError } from '../core/errors.js';

export interface TlsFiles {
  cert?: string | undefined;
  key?: string | undefined;
  ca?: string | undefined;
}

/** PEM material, loaded. */
export interface TlsMaterial {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
}

function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TradingError(ErrorCode.TLS_FAILED, `${flag} ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function load(files: TlsFiles): TlsMaterial {
  const material: TlsMaterial = {};
  if (files.cert !== undefined && files.cert !== '') material.cert = readPem(files.cert, '--tls-cert');
  if (files.key !== undefined && files.key !== '') material.key = readPem(files.key, '--tls-key');
  if (files.ca !== undefined && files.ca !== '') material.ca = readPem(files.ca, '--tls-ca');
  return material;
}

/** A server's TLS material, or undefined for plain TCP. A server needs both --tls-cert and --tls-key. */
export function loadServerTls(files: TlsFiles): TlsMaterial | undefined {
  const material = load(files);
  if (material.cert === undefined && material.key === undefined && material.ca === undefined) return undefined;
  if (material.cert === undefined || material.key === undefined) {
    throw new TradingError(ErrorCode.TLS_FAILED, 'a TLS server needs both --tls-cert and --tls-key');
  }
  return material;
}

/** A client's TLS material, or undefined for plain TCP. A client speaks TLS when given --tls-ca (or a certificate). */
export function loadClientTls(files: TlsFiles): TlsMaterial | undefined {
  const material = load(files);
  if (material.cert === undefined && material.key === undefined && material.ca === undefined) return undefined;
  if ((material.cert === undefined) !== (material.key === undefined)) {
    throw new TradingError(ErrorCode.TLS_FAILED, 'a client certificate needs both --tls-cert and --tls-key');
  }
  return material;
}

/** A TLS failure from node:tls (or the socket under it) as one clear E_TLS_FAILED. */
export function tlsFailure(error: Error, where: string): TradingError {
  const code = (error as NodeJS.ErrnoException).code;
  let hint = '';
  if (code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY') {
    hint = ': the peer certificate is not signed by the CA given with --tls-ca';
  } else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    hint = ': the server certificate does not name the host connected to';
  } else if (code === 'ECONNRESET' || /certificate required|alert/i.test(error.message)) {
    hint = ': the peer ended the handshake (does it require a client certificate, or use another CA?)';
  }
  return new TradingError(ErrorCode.TLS_FAILED, `TLS with ${where} failed (${code ?? error.message})${hint}`, { cause: error });
}
