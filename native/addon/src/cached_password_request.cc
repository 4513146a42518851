#include "cached_password_request.h"

#include <cstring>

static_assert(sizeof(void *) != 8 || sizeof(CachedPasswordRequest) == 80, "x64 layout as in the SDK");

namespace {

// Places `text` at *offset in the buffer and points `target` at it.
void Place(std::vector<BYTE> *buffer, size_t *offset, const std::wstring &text, UNICODE_STRING *target) {
  size_t bytes = text.size() * sizeof(wchar_t);
  if (bytes) std::memcpy(buffer->data() + *offset, text.data(), bytes);
  target->Length = static_cast<USHORT>(bytes);
  target->MaximumLength = static_cast<USHORT>(bytes);
  target->Buffer = bytes ? reinterpret_cast<PWSTR>(buffer->data() + *offset) : nullptr;
  *offset += bytes;
}

}  // namespace

bool BuildChangeCachedPasswordRequest(const std::wstring &domain, const std::wstring &account, const std::wstring &newPassword,
                                      std::vector<BYTE> *out) {
  const size_t limit = 0x7ffe / sizeof(wchar_t);
  if (!out || domain.size() > limit || account.size() > limit || newPassword.size() > limit || account.empty()) return false;
  size_t total = sizeof(CachedPasswordRequest) + (domain.size() + account.size() + newPassword.size()) * sizeof(wchar_t);
  out->assign(total, 0);
  // The header is written through a local copy: the buffer's start is only byte-aligned in theory.
  CachedPasswordRequest header;
  std::memset(&header, 0, sizeof(header));
  header.MessageType = MsV1_0ChangeCachedPassword;
  size_t offset = sizeof(CachedPasswordRequest);
  Place(out, &offset, domain, &header.DomainName);
  Place(out, &offset, account, &header.AccountName);
  Place(out, &offset, newPassword, &header.NewPassword);
  header.Impersonating = FALSE;
  std::memcpy(out->data(), &header, sizeof(header));
  return true;
}
