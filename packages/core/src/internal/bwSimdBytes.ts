// bwSimd.wat compiled by wabt's wat2wasm 1.0.39 (the npm package `wabt`), base64-encoded.
// Regenerate after editing the .wat (from packages/core/src/internal):
//   npx -p wabt@1.0.39 wat2wasm bwSimd.wat -o /tmp/bw.wasm && base64 -w0 /tmp/bw.wasm
// bwSimd.test.ts checks that these are the bytes wabt makes of bwSimd.wat, and that the module
// computes what the JavaScript loops compute.
export const BW_SIMD_WASM =
  'AGFzbQEAAAABCQFgBH9/f38BfwIPAQNlbnYGbWVtb3J5AgABAwIBAAcIAQRncmFkAAAKtgMBswMCAX8Ye0GAEP0ABBAhEkGAEP0ABCAhE0GAEP0ABDAhFEGAEP0ABEAhFUGAEP0ABFAhFkGAEP0ABGAhF0GAEP0ABHAhGEGAEP0ABIABIRlBgBD9AASQASEaQYAQ/QAEoAEhG0GAEP0ABLABIRz9DAAAAAAAAAAAAAAAAAAAAAAhESAAIAJBA3RqIQQCQANAIAAgBE8NASAA/V0DAP1fIQUgBSAb/VAhCiAFIAr9SCEHIBEgCv32ASERIAogEv3yASAT/fABIQsgCyAT/fEBIQwgCiAMIBT98gH98QEgDCAV/fIB/fEBIQ0gDSAN/fIBIQ4gCyAX/U5BA/3LASEPIA/9GwIgD/0bAP1dAwD9VwMAASALQQj9zQFBNP3LAf3OASEQIBYgDf3wASAOIBggDSAZ/fIB/fABIA4gGv3yAf3wAf3yAf3wASAQ/fIBIQggCCAWIAj98AH98wEhCSAB/V0DAP1fIQYgAyAHIBb9TiAG/fEBIAkgByAb/U79Uf3wASAc/fIB/QsEACAAQQhqIQAgAUEIaiEBIANBEGohAwwACwsgEUQAAAAAAOCFwP0U/Un9Uws=';
