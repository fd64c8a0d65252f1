import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Options of {@link securityHeadersPlugin}. */
export interface SecurityHeadersOptions {
  /**
   * `ALLOWED_ORIGINS`: the sites that embed the widget may also frame the server's pages (the
   * documented iframe embed). With `'*'` only the server's own pages may frame them.
   */
  allowedOrigins: '*' | readonly string[];
}

/**
 * The policy of the demo (`/`) and of `/embed.html`: everything they load comes from this server
 * (their scripts and style sheets, the drop-in script, the blog's images, the WebSocket; `'self'`
 * covers `ws:`/`wss:` of the same host in CSP 3). The widget's styles are constructable style sheets
 * and its videos show `MediaStream`s, which `style-src` and `media-src` do not govern.
 */
function contentSecurityPolicy(framers: readonly string[]): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'"],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'self'", ...framers],
  };
}

function checkOrigins(allowedOrigins: unknown): readonly string[] {
  if (allowedOrigins === '*') return [];
  if (!Array.isArray(allowedOrigins)) {
    throw new TypeError('securityHeadersPlugin: allowedOrigins must be "*" or a list of origins.');
  }
  for (const origin of allowedOrigins as unknown[]) {
    // A space, `;` or `,` would end the CSP directive and start another: only exact origins.
    let parsed: URL | null = null;
    try {
      parsed = typeof origin === 'string' ? new URL(origin) : null;
    } catch {
      parsed = null;
    }
    if (!parsed || parsed.origin !== origin) {
      throw new TypeError(
        `securityHeadersPlugin: allowedOrigins: ${JSON.stringify(origin)} is not an origin like https://example.com.`,
      );
    }
  }
  return allowedOrigins as string[];
}

async function securityHeaders(app: FastifyInstance, options: SecurityHeadersOptions): Promise<void> {
  const framers = checkOrigins(options.allowedOrigins);
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(framers) },
    // Room names are in the demo's address: no request carries it, not even to this server's logs.
    // The widget's socket keeps its Origin header (a WebSocket always sends it).
    referrerPolicy: { policy: 'no-referrer' },
    // frame-ancestors decides in today's browsers; X-Frame-Options can only say "same origin", so it
    // is sent only when that is the whole rule (older browsers would refuse the listed sites).
    xFrameOptions: framers.length === 0 ? { action: 'sameorigin' } : false,
    // HSTS is the TLS terminator's (deploy/nginx.conf sends it); from here it would also pin the
    // addresses of an HTTPS=self-signed test server to HTTPS for a year.
    strictTransportSecurity: false,
    // Stays same-origin for pages, styles and images; static.ts answers `cross-origin` (and CORS)
    // for the drop-in scripts, which any page may load.
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
}

/**
 * Security headers on every HTTP answer of the server (helmet): a Content-Security-Policy that
 * allows only this server's own resources, `X-Content-Type-Options: nosniff`,
 * `Referrer-Policy: no-referrer`, framing by this server's pages and `allowedOrigins` only, and
 * `Cross-Origin-Resource-Policy: same-origin` (the drop-in scripts override it). Wrapped with
 * fastify-plugin so that its hooks reach the routes of the sibling plugins.
 */
export const securityHeadersPlugin = fp(securityHeaders, { name: 'rtc-call-security-headers', fastify: '5.x' });
