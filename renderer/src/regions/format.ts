/** An IoU as the agreement view shows it: three decimals, a dash when nothing matched. */
export function formatIoU(iou: number | null): string {
  return iou === null ? '—' : iou.toFixed(3);
}
