/** Previous / next page buttons of one list; `what` tells two pagers on a page apart for screen readers. */
export function Pager({
  what,
  previous,
  next,
}: {
  what: string;
  previous: (() => void) | null;
  next: (() => void) | null;
}) {
  return (
    <div className="row">
      <button type="button" className="small secondary" onClick={previous ?? undefined} disabled={!previous}>
        Previous page <span className="visually-hidden">of {what}</span>
      </button>
      <button type="button" className="small secondary" onClick={next ?? undefined} disabled={!next}>
        Next page <span className="visually-hidden">of {what}</span>
      </button>
    </div>
  );
}
