/**
 * A pipeline spec never holds secrets: it travels in workflow inputs, so it is stored in Temporal's history
 * and shown in the Web UI. Credentials are named instead, as `{"env": "NAME"}` or `{"file": "path"}` under
 * `trainer.params`, and the trainer resolves them on its own host. This module refuses literal credentials
 * and checks the shape of references; it resolves nothing.
 */
import { at, isRecord, MAX_DEPTH } from './checks';
import type { Problems } from './checks';

/** A secret named, not held: an environment variable or a file on the trainer's host, read by the trainer. */
export type SecretReference = { env: string } | { file: string };

/** Environment variable names a reference may give. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What to do instead, appended to every secret problem. */
const INSTEAD =
  'a spec is kept in workflow history, so name secrets as {"env": "NAME"} or {"file": "path"} under trainer.params';

/** Words (and joined word pairs) of a key that name a credential. */
const CREDENTIAL_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'credential',
  'credentials',
  'apikey',
  'accesskey',
  'privatekey',
  'secretkey',
  'authtoken',
  'clientsecret',
  'signingkey',
]);
/** A last word that makes a credential-sounding key harmless: it names where the secret is, not the secret. */
const HARMLESS_LAST_WORDS = new Set(['name', 'file', 'path', 'env', 'var', 'ref', 'url', 'uri', 'endpoint', 'type']);

/** Literal credentials recognisable by their form wherever they appear. */
const CREDENTIAL_FORMS: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bgh[opusr]_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\bhf_[A-Za-z0-9]{30,}\b/, 'a Hugging Face token'],
  [/\bsk-[A-Za-z0-9_-]{20,}/, 'an API secret key'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, 'a password inside a URL'],
];

/** Credentials passed on a trainer's command line: `--api-key abc`, `HF_TOKEN=abc cmd` (not `$VAR` expansions). */
const COMMAND_CREDENTIALS: readonly RegExp[] = [
  /(^|\s)--?[A-Za-z0-9_-]*(password|passwd|secret|token|api[-_]?key|access[-_]?key)(=|\s+)(?!["']?\$)(?!\d+(\s|$))\S/i,
  /(^|\s)[A-Za-z0-9_]*(password|secret|token|api_?key|access_?key)[A-Za-z0-9_]*=(?!["']?\$)(?!\d+(\s|$))\S/i,
];

function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** True when a key names a credential (`password`, `apiKey`, `HF_TOKEN`, …) rather than where one is (`tokenFile`). */
export function isCredentialKey(key: string): boolean {
  const w = words(key);
  if (w.length === 0 || HARMLESS_LAST_WORDS.has(w[w.length - 1])) return false;
  return w.some((word, i) => CREDENTIAL_WORDS.has(word) || CREDENTIAL_WORDS.has(word + (w[i + 1] ?? '')));
}

/** The kind of credential a string holds by its form (a private key, a token, a URL password), if any. */
export function credentialForm(value: string): string | undefined {
  return CREDENTIAL_FORMS.find(([pattern]) => pattern.test(value))?.[1];
}

/** True for an object whose only key is `env` or `file`: meant as a secret reference, well-formed or not. */
function looksLikeReference(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file');
}

/** True when `value` is a well-formed secret reference. */
export function isSecretReference(value: unknown): value is SecretReference {
  if (!looksLikeReference(value)) return false;
  return 'env' in value
    ? typeof value.env === 'string' && ENV_NAME.test(value.env)
    : typeof value.file === 'string' && value.file.trim() !== '';
}

function referenceProblems(problems: Problems, path: string, ref: Record<string, unknown>): void {
  if (isSecretReference(ref)) return;
  if ('env' in ref) problems.add(at(path, 'env'), 'must be an environment variable name (letters, digits and _)');
  else problems.add(at(path, 'file'), 'must be a non-empty path on the trainer host');
}

/** Records a problem when a trainer command line passes a literal credential. */
export function commandSecretProblems(problems: Problems, path: string, command: string): void {
  if (COMMAND_CREDENTIALS.some((pattern) => pattern.test(command))) {
    problems.add(
      path,
      `passes what looks like a credential on the command line: ${INSTEAD}, or let the command read $NAME itself`,
    );
  }
}

/**
 * Walks a whole spec and records every literal credential: a credential-named key with a string value, or a
 * string whose form gives it away. Secret references are checked for shape under `trainer.params` and
 * refused anywhere else.
 */
export function secretProblems(problems: Problems, value: unknown, path = '', depth = 0): void {
  if (typeof value === 'string') {
    const form = credentialForm(value);
    if (form) problems.add(path, `holds what looks like ${form}: ${INSTEAD}`);
    return;
  }
  if (depth >= MAX_DEPTH) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => secretProblems(problems, item, at(path, i), depth + 1));
    return;
  }
  if (!isRecord(value)) return;
  const underParams =
    path === 'trainer.params' || path.startsWith('trainer.params.') || path.startsWith('trainer.params[');
  if (looksLikeReference(value)) {
    if (underParams) referenceProblems(problems, path, value);
    else problems.add(path === '' ? 'the spec' : path, 'is a secret reference, which only trainer.params may hold');
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const itemPath = at(path, key);
    if (isCredentialKey(key) && typeof item === 'string' && item !== '') {
      problems.add(itemPath, `looks like a credential: ${INSTEAD}`);
    } else {
      secretProblems(problems, item, itemPath, depth + 1);
    }
  }
}
