// keyhatch-msi-ca.dll: the MSI's deferred custom action that joins a relay to its gateway at
// install. The join token reaches `keyhatch join` on its stdin, never on a command line (which
// every process and the MSI log could see); the MSI marks JOINTOKEN hidden and this action's
// data HideTarget, so the log shows neither. The token is wiped from memory after use.
//
// CustomActionData: "<installdir>\t<gateway urls>\t<pin or empty>\t<token>"
#include <windows.h>
#include <msi.h>
#include <msiquery.h>

#include <string>
#include <vector>

namespace {

void Log(MSIHANDLE install, const std::wstring &text) {
  PMSIHANDLE record = MsiCreateRecord(1);
  MsiRecordSetStringW(record, 0, (L"Keyhatch join: " + text).c_str());
  MsiProcessMessage(install, INSTALLMESSAGE_INFO, record);
}

std::wstring Quote(const std::wstring &arg) {
  std::wstring out = L"\"";
  for (wchar_t c : arg) {
    if (c == L'"') return L"\"\"";  // never produced by valid URLs/pins; refuse rather than mis-quote
    out += c;
  }
  return out + L"\"";
}

void Wipe(std::wstring &s) { SecureZeroMemory(&s[0], s.size() * sizeof(wchar_t)); s.clear(); }
void Wipe(std::string &s) { SecureZeroMemory(&s[0], s.size()); s.clear(); }

}  // namespace

extern "C" __declspec(dllexport) UINT __stdcall JoinGateway(MSIHANDLE install) {
  DWORD size = 0;
  wchar_t empty[1] = L"";
  MsiGetPropertyW(install, L"CustomActionData", empty, &size);
  std::vector<wchar_t> buf(size + 1);
  size = static_cast<DWORD>(buf.size());
  if (MsiGetPropertyW(install, L"CustomActionData", buf.data(), &size) != ERROR_SUCCESS) return ERROR_INSTALL_FAILURE;
  std::wstring data(buf.data(), size);
  SecureZeroMemory(buf.data(), buf.size() * sizeof(wchar_t));
  std::vector<std::wstring> parts;
  size_t start = 0;
  for (size_t tab; (tab = data.find(L'\t', start)) != std::wstring::npos; start = tab + 1) parts.push_back(data.substr(start, tab - start));
  parts.push_back(data.substr(start));
  Wipe(data);
  if (parts.size() != 4 || parts[0].empty() || parts[1].empty() || parts[3].empty()) {
    Log(install, L"GATEWAYURL and JOINTOKEN are both needed to join; nothing done.");
    for (auto &p : parts) Wipe(p);
    return ERROR_INSTALL_FAILURE;
  }
  std::wstring dir = parts[0];
  if (!dir.empty() && dir.back() == L'\\') dir.pop_back();
  std::wstring cmd = Quote(dir + L"\\node.exe") + L" " + Quote(dir + L"\\keyhatch.cjs") + L" join --gateway " + Quote(parts[1]);
  if (!parts[2].empty()) cmd += L" --pin " + Quote(parts[2]);
  cmd += L" --token-stdin";
  // UTF-8 token + newline for the child's stdin.
  int bytes = WideCharToMultiByte(CP_UTF8, 0, parts[3].c_str(), static_cast<int>(parts[3].size()), nullptr, 0, nullptr, nullptr);
  std::string token(static_cast<size_t>(bytes), '\0');
  WideCharToMultiByte(CP_UTF8, 0, parts[3].c_str(), static_cast<int>(parts[3].size()), &token[0], bytes, nullptr, nullptr);
  token += '\n';
  for (auto &p : parts) Wipe(p);

  SECURITY_ATTRIBUTES inherit = {sizeof(inherit), nullptr, TRUE};
  HANDLE readEnd = nullptr, writeEnd = nullptr;
  if (!CreatePipe(&readEnd, &writeEnd, &inherit, 0)) { Wipe(token); return ERROR_INSTALL_FAILURE; }
  SetHandleInformation(writeEnd, HANDLE_FLAG_INHERIT, 0);
  STARTUPINFOW si = {};
  si.cb = sizeof(si);
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = readEnd;
  PROCESS_INFORMATION pi = {};
  Log(install, L"running: " + cmd);  // the command line holds no secret
  BOOL ok = CreateProcessW(nullptr, &cmd[0], nullptr, nullptr, TRUE, CREATE_NO_WINDOW, nullptr, dir.c_str(), &si, &pi);
  CloseHandle(readEnd);
  if (!ok) {
    Log(install, L"cannot start node.exe, error " + std::to_wstring(GetLastError()));
    CloseHandle(writeEnd);
    Wipe(token);
    return ERROR_INSTALL_FAILURE;
  }
  DWORD written = 0;
  WriteFile(writeEnd, token.data(), static_cast<DWORD>(token.size()), &written, nullptr);
  Wipe(token);
  CloseHandle(writeEnd);
  DWORD code = 1;
  if (WaitForSingleObject(pi.hProcess, 120000) != WAIT_OBJECT_0) TerminateProcess(pi.hProcess, 1);
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hProcess);
  CloseHandle(pi.hThread);
  Log(install, L"keyhatch join exited with " + std::to_wstring(code) + (code == 0 ? L" (joined)" : L" (see %ProgramData%\\Keyhatch\\logs; the install is rolled back)"));
  return code == 0 ? ERROR_SUCCESS : ERROR_INSTALL_FAILURE;
}
