// hgSimd.wat compiled by wabt's wat2wasm 1.0.39 (the npm package `wabt`), base64-encoded.
// Regenerate after editing the .wat (from packages/core/src/internal):
//   npx -p wabt@1.0.39 wat2wasm hgSimd.wat -o /tmp/hg.wasm && base64 -w0 /tmp/hg.wasm
// hgSimd.test.ts checks that these are the bytes wabt makes of hgSimd.wat, and that the module
// computes what the JavaScript loops compute.
export const HG_SIMD_WASM =
  'AGFzbQEAAAABCAFgBH9/f38AAg8BA2VudgZtZW1vcnkCAAEDAwIAAAcSAgVodWJlcgAABnNtb290aAABCs8CApwBAgF/A3tBAP0ABAAhBUEQ/QAEACEGQSD9AAQAIQcgACACQQR0aiEEAkADQCAAIARPDQEgAyAA/V0DAP1fIAH9XQMA/V/98QEgBf33ASAG/fYBIAf98gH9CwQAIAMgAP1dAwj9XyAB/V0DCP1f/fEBIAX99wEgBv32ASAH/fIB/QsEECAAQRBqIQAgAUEQaiEBIANBIGohAwwACwsLrgECAX8Ee0EA/QAEACEFQRD9AAQAIQZBIP0ABAAhB0Ew/QAEACEIIAAgAkEEdGohBAJAA0AgACAETw0BIAMgAP1dAwD9XyAB/V0DAP1f/fEBIAj98wEgBf33ASAG/fYBIAf98gH9CwQAIAMgAP1dAwj9XyAB/V0DCP1f/fEBIAj98wEgBf33ASAG/fYBIAf98gH9CwQQIABBEGohACABQRBqIQEgA0EgaiEDDAALCws=';
