// Memory and string helpers for values handed to LogonUI: everything it frees is CoTaskMem.
#pragma once
#include "credprov.h"

// Copies a NUL-terminated string into CoTaskMem. *out is NULL on failure.
HRESULT CoTaskMemStrDup(PCWSTR src, PWSTR *out);

// Copies a field descriptor (and its label) into CoTaskMem, as GetFieldDescriptorAt requires.
HRESULT FieldDescriptorCoAllocCopy(const CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR &src, CREDENTIAL_PROVIDER_FIELD_DESCRIPTOR **out);

// Bounded copy that always NUL-terminates; truncates silently.
void CopyTruncated(PWSTR dst, size_t dstChars, PCWSTR src);
