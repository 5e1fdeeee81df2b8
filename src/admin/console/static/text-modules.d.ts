/** Stylesheets are bundled as text (a `Text` module rule of wrangler.toml). */
declare module "*.css" {
  const stylesheet: string;
  export default stylesheet;
}
