/**
 * Makes a log-supplied name safe to print on a terminal: control characters (ESC, CR, BEL, C1…)
 * become U+FFFD, so a hostile series or file name cannot move the cursor, retitle the window or
 * inject escape sequences.
 */
export function terminalSafe(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
}
