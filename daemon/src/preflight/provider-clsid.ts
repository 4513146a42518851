// The credential provider's CLSID (native/credential-provider/src/guid.h; a test checks they agree).
export const KEYHATCH_PROVIDER_CLSID = '{3473571D-253A-498A-ADA7-18B1924569EA}';
