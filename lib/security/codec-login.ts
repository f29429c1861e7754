/** The codec server's sign-in page: a person pastes the codec token once, the browser keeps a session cookie. */

/** Escapes text for HTML. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The sign-in page; `next` (an allowed UI URL) is where a successful sign-in goes. */
export function loginPage(next: string | undefined, message?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mlops codec server</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>mlops codec server</h1>
<p>Sign in so the Temporal Web UI can show decoded payloads in this browser. The token is in
<code>$MLOPS_HOME/codec.token</code> (or <code>MLOPS_CODEC_TOKEN</code>).</p>
${message ? `<p role="status">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/login">
<label>Codec token <input type="password" name="token" autocomplete="current-password" required></label>
<input type="hidden" name="next" value="${escapeHtml(next ?? '')}">
<button type="submit">Sign in</button>
</form>
</body></html>
`;
}

/** Parses an `application/x-www-form-urlencoded` body. */
export function readForm(body: string): URLSearchParams {
  return new URLSearchParams(body);
}

/** `next` when it is a URL on one of `origins` (no open redirect), else undefined. */
export function safeRedirect(next: string | null | undefined, origins: ReadonlySet<string>): string | undefined {
  if (!next) return undefined;
  try {
    const url = new URL(next);
    return origins.has(url.origin.toLowerCase()) ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}
