/** account.js as the worker bundles it: its text (a `Text` module rule of wrangler.toml). */
declare const script: string;
export default script;
