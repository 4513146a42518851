# node-gyp build of native/addon for Windows/MSVC (docs/native.md). CI cross-builds the same
# sources with mingw-w64 via native/addon/Makefile. node-gyp adds its own delay-load hook for
# node.exe on MSVC, so native/addon/src/delay_load_hook.cc is only for the mingw build.
{
  "conditions": [
    ["OS=='win'", {
      "targets": [
        {
          # Shipped next to keyhatch_native.node; see native/addon/src/kiosk_start.h.
          "target_name": "keyhatch-session-helper",
          "type": "executable",
          "sources": ["native/addon/helper/session-helper.cpp", "native/addon/src/desktop_access.cc"],
          "defines": ["UNICODE", "_UNICODE", "WIN32_LEAN_AND_MEAN", "_WIN32_WINNT=0x0A00"],
          "libraries": ["advapi32.lib", "user32.lib"],
          "msvs_settings": {
            "VCCLCompilerTool": {
              "RuntimeLibrary": 0,
              "WarningLevel": 4,
              "TreatWarningAsError": "true",
              "AdditionalOptions": ["/std:c++17", "/sdl", "/Qspectre", "/guard:cf", "/permissive-", "/utf-8", "/EHsc"]
            },
            "VCLinkerTool": {
              "SubSystem": 2,
              "AdditionalOptions": ["/guard:cf", "/DYNAMICBASE", "/NXCOMPAT", "/HIGHENTROPYVA", "/CETCOMPAT"]
            }
          }
        }
      ]
    }]
  ],
  "targets": [
    {
      "target_name": "keyhatch_native",
      "conditions": [
        ["OS=='win'", {
          "sources": [
            "native/addon/src/addon.cc",
            "native/addon/src/args.cc",
            "native/addon/src/cached_password.cc",
            "native/addon/src/cached_password_request.cc",
            "native/addon/src/desktop_access.cc",
            "native/addon/src/desktop_grants.cc",
            "native/addon/src/dpapi.cc",
            "native/addon/src/eventlog.cc",
            "native/addon/src/kiosk_account.cc",
            "native/addon/src/kiosk_process.cc",
            "native/addon/src/kiosk_start.cc",
            "native/addon/src/kiosk_token.cc",
            "native/addon/src/launch.cc",
            "native/addon/src/pipe_security.cc",
            "native/addon/src/registry.cc",
            "native/addon/src/sessions.cc",
            "native/addon/src/worker.cc"
          ],
          "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
          "defines": [
            "NAPI_VERSION=8",
            "NAPI_CPP_EXCEPTIONS",
            "UNICODE",
            "_UNICODE",
            "WIN32_LEAN_AND_MEAN",
            "_WIN32_WINNT=0x0A00",
            "NTDDI_VERSION=0x0A000000"
          ],
          "libraries": ["advapi32.lib", "crypt32.lib", "wtsapi32.lib", "netapi32.lib", "bcrypt.lib", "secur32.lib", "user32.lib"],
          "msvs_settings": {
            "VCCLCompilerTool": {
              "ExceptionHandling": 1,
              "RuntimeLibrary": 0,
              "WarningLevel": 3,
              "TreatWarningAsError": "true",
              "BufferSecurityCheck": "true",
              "ControlFlowGuard": "Guard",
              "AdditionalOptions": ["/std:c++17", "/sdl", "/Qspectre", "/guard:cf", "/permissive-", "/utf-8", "/wd4100"]
            },
            "VCLinkerTool": {
              "RandomizedBaseAddress": 2,
              "DataExecutionPrevention": 2,
              "AdditionalOptions": ["/guard:cf", "/DYNAMICBASE", "/NXCOMPAT", "/HIGHENTROPYVA", "/CETCOMPAT", "/DEBUG:FULL", "/OPT:REF", "/OPT:ICF"]
            }
          }
        }, {
          # Not Windows: nothing to build; the daemon reports KeyhatchNativeUnavailable and uses its fallbacks.
          "type": "none"
        }]
      ]
    }
  ]
}
