export function DropOverlay() {
  return (
    <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
      <div className="drop-target">Drop a bag folder or .zip file to open it</div>
    </div>
  );
}
