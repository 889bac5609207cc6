/** Learn: the bit-serial term tables of the BitMoD grids (filled in once src/cpu/bitserial.ts lands). */
import { h, replace } from '../dom.js';

/** Mounts the bit-serial walkthrough into `box`. */
export function mountBitSerial(box: HTMLElement): void {
  replace(box, [h('p', { class: 'muted', text: 'The bit-serial kernel (bitSerialTerms) is not available in this build yet.' })]);
}
