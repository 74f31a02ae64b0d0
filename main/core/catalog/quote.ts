/**
 * Percent-encoding for ERMrest names and literals and for Hatrac path segments: every character
 * except `A-Z a-z 0-9 - _ . ~` becomes `%XX` of its UTF-8 bytes, as deriva-py's urlquote(safe='')
 * does. ERMrest's meta-syntax (`/ : ; , = ? @ & ( ) ! $ *`) and Hatrac's stricter raw set are both
 * covered, so a name like `a:b` or `100%` can never be read as syntax.
 */
export function quote(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A Hatrac path from its segments, e.g. `["Image", "x y.jpg"]` → `/hatrac/Image/x%20y.jpg`. */
export function hatracPath(...segments: string[]): string {
  return `/hatrac/${segments.map(quote).join('/')}`;
}
