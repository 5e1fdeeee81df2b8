// Stands in for zod's `locales` module in the deployed bundle (see the [alias] in wrangler.toml).
// zod re-exports every locale from its core and classic entries as `z.locales` / `z.core.locales`;
// the namespace import that @hono/zod-openapi uses cannot be tree-shaken, so ~40 languages (≈250 KiB,
// ≈40 KiB gzipped) would ship. Only English is used, and zod imports that one directly
// (v4/classic/schemas.js). Nothing here calls `z.config(z.locales.…())`.
export {};
