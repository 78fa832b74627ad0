/** "private" after a room's name; the space keeps the accessible name "#secret private", not "#secretprivate". */
export function PrivateTag({ show }: { show: boolean | undefined }) {
  if (!show) return null;
  return (
    <>
      {' '}
      <span className="tag small">private</span>
    </>
  );
}
