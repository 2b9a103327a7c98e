; Synecdoche agent for Windows: the installer and its uninstaller.
; Built on Linux by windows/build.ts: makensis -DVERSION=... -DSTAGE=... -DOUTFILE=... installer.nsi
;
; Program files (replaced on every install/upgrade): $PROGRAMFILES64\Synecdoche
;   node.exe, app\ (the esbuild bundle, package.json, templates\), nssm.exe (the service host),
;   synecdoche.cmd, uninstall.exe
; Site data (never replaced; kept by the uninstaller unless /PURGE): $APPDATA of all users = C:\ProgramData\Synecdoche
;   agent.yaml, site.key, public-key.txt, smtp-password.txt, outbox\, state\, logs\agent.log
; The service "synecdoche-agent" is NSSM running `node.exe app\synecdoche-agent.mjs agent run -c agent.yaml`
; as LocalSystem, started at boot, restarted 10 s after it exits, stopped with Ctrl+C (the agent
; stops a running job and reports it as stopped); its output goes to logs\agent.log, rotated at
; 10 MB; NSSM records starts, stops and restarts in the Windows Event Log (Application).
;
; Silent install: synecdoche-agent-setup.exe /S /SITE=acme-fs1 /CLIENT="Acme Ltd"
;   /SMTP=smtp.example.com:587 [/TLS=starttls|implicit|none] /SMTPUSER=backups@acme.example
;   /SMTPPASSFILE=\\share\deploy\smtp-password.txt (or /SMTPPASS=secret, visible in process lists)
;   /FROM=backups@acme.example /TO=backups@consultant.example [/NOSERVICE] [/D=C:\path (last)]
; Silent uninstall: "C:\Program Files\Synecdoche\uninstall.exe" /S [/PURGE]

; A 64-bit installer (Debian's nsis ships the amd64-unicode stubs): it runs under Debian's
; 64-bit-only wine, which cannot start 32-bit programs, and it sees the real Program Files.
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel admin
ManifestSupportedOS all

!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef STAGE
  !define STAGE "out\stage"
!endif
!ifndef OUTFILE
  !define OUTFILE "out\synecdoche-agent-setup.exe"
!endif

!define PRODUCT "Synecdoche agent"
!define SERVICE "synecdoche-agent"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Synecdoche"
!define SVCKEY "SYSTEM\CurrentControlSet\Services\${SERVICE}"

!include "MUI2.nsh"
!include "nsDialogs.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "x64.nsh"

Name "${PRODUCT} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\Synecdoche"
InstallDirRegKey HKLM "${UNINSTKEY}" "InstallLocation"
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${PRODUCT}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${PRODUCT} installer"
VIAddVersionKey "LegalCopyright" "MIT licence"

Var ConfDir
Var Site
Var Client
Var Smtp
Var SmtpHost
Var SmtpPort
Var SmtpUser
Var SmtpPass
Var SmtpPassFile
Var Tls
Var From
Var To
Var NoService
Var Upgrade
; the set-up page's controls
Var hSite
Var hClient
Var hSmtp
Var hUser
Var hPass
Var hFrom
Var hTo
Var hTls

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
Page custom SetupPage SetupPageLeave
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "The Synecdoche agent needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
  StrCpy $ConfDir "$APPDATA\Synecdoche"
  StrCpy $Upgrade "0"
  ${If} ${FileExists} "$ConfDir\agent.yaml"
    StrCpy $Upgrade "1"
  ${EndIf}

  ${GetParameters} $R0
  ${GetOptions} $R0 "/SITE=" $Site
  ${GetOptions} $R0 "/CLIENT=" $Client
  ${GetOptions} $R0 "/SMTP=" $Smtp
  ${GetOptions} $R0 "/SMTPUSER=" $SmtpUser
  ${GetOptions} $R0 "/SMTPPASS=" $SmtpPass
  ${GetOptions} $R0 "/SMTPPASSFILE=" $SmtpPassFile
  ${GetOptions} $R0 "/TLS=" $Tls
  ${If} $Tls != ""
  ${AndIf} $Tls != "starttls"
  ${AndIf} $Tls != "implicit"
  ${AndIf} $Tls != "none"
    MessageBox MB_ICONSTOP "/TLS=$Tls: expected starttls, implicit or none." /SD IDOK
    SetErrorLevel 2
    Quit
  ${EndIf}
  ${If} $SmtpPassFile != ""
  ${AndIfNot} ${FileExists} "$SmtpPassFile"
    MessageBox MB_ICONSTOP "/SMTPPASSFILE=$SmtpPassFile: no such file." /SD IDOK
    SetErrorLevel 2
    Quit
  ${EndIf}
  ${GetOptions} $R0 "/FROM=" $From
  ${GetOptions} $R0 "/TO=" $To
  StrCpy $NoService "0"
  ClearErrors
  ${GetOptions} $R0 "/NOSERVICE" $R1
  ${IfNot} ${Errors}
    StrCpy $NoService "1"
  ${EndIf}
  ${If} $Site == ""
    ; the computer name, a valid site id in most cases; the consultant may change it later
    ReadEnvStr $Site "COMPUTERNAME"
  ${EndIf}
FunctionEnd

; The set-up page: only on a first install (an upgrade keeps agent.yaml as it is).
Function SetupPage
  ${If} $Upgrade == "1"
    Abort
  ${EndIf}
  !insertmacro MUI_HEADER_TEXT "Site set-up" "Written to $ConfDir\agent.yaml; edit it later for the backup jobs."
  nsDialogs::Create 1018
  Pop $0
  ${NSD_CreateLabel} 0 0u 30% 12u "Site id"
  ${NSD_CreateText} 32% 0u 68% 12u $Site
  Pop $hSite
  ${NSD_CreateLabel} 0 16u 30% 12u "Client name"
  ${NSD_CreateText} 32% 16u 68% 12u $Client
  Pop $hClient
  ${NSD_CreateLabel} 0 32u 30% 12u "SMTP server (host:port)"
  ${NSD_CreateText} 32% 32u 68% 12u $Smtp
  Pop $hSmtp
  ${NSD_CreateLabel} 0 48u 30% 12u "SMTP user"
  ${NSD_CreateText} 32% 48u 68% 12u $SmtpUser
  Pop $hUser
  ${NSD_CreateLabel} 0 64u 30% 12u "SMTP password"
  ${NSD_CreatePassword} 32% 64u 68% 12u $SmtpPass
  Pop $hPass
  ${NSD_CreateLabel} 0 80u 30% 12u "From address"
  ${NSD_CreateText} 32% 80u 68% 12u $From
  Pop $hFrom
  ${NSD_CreateLabel} 0 96u 30% 12u "Send reports to"
  ${NSD_CreateText} 32% 96u 68% 12u $To
  Pop $hTo
  ${NSD_CreateLabel} 0 112u 30% 12u "TLS (empty: by port)"
  ${NSD_CreateDropList} 32% 112u 68% 60u ""
  Pop $hTls
  ${NSD_CB_AddString} $hTls "starttls"
  ${NSD_CB_AddString} $hTls "implicit"
  ${NSD_CB_AddString} $hTls "none"
  ${If} $Tls != ""
    ${NSD_CB_SelectString} $hTls $Tls
  ${EndIf}
  nsDialogs::Show
FunctionEnd

Function SetupPageLeave
  ${NSD_GetText} $hSite $Site
  ${NSD_GetText} $hClient $Client
  ${NSD_GetText} $hSmtp $Smtp
  ${NSD_GetText} $hUser $SmtpUser
  ${NSD_GetText} $hPass $SmtpPass
  ${NSD_GetText} $hFrom $From
  ${NSD_GetText} $hTo $To
  ${NSD_GetText} $hTls $Tls
  ${If} $Site == ""
  ${OrIf} $Smtp == ""
  ${OrIf} $To == ""
    MessageBox MB_ICONEXCLAMATION "Site id, SMTP server and recipient are needed."
    Abort
  ${EndIf}
FunctionEnd

; Splits $Smtp "host[:port]" into $SmtpHost and $SmtpPort (default 587).
Function SplitSmtp
  StrCpy $SmtpHost $Smtp
  StrCpy $SmtpPort "587"
  StrLen $1 $Smtp
  StrCpy $2 0
  ${DoWhile} $2 < $1
    StrCpy $3 $Smtp 1 $2
    ${If} $3 == ":"
      StrCpy $SmtpHost $Smtp $2
      IntOp $4 $2 + 1
      StrCpy $SmtpPort $Smtp "" $4
      ${Break}
    ${EndIf}
    IntOp $2 $2 + 1
  ${Loop}
FunctionEnd

; $R9 as the inside of a YAML single-quoted scalar: every ' doubled, line breaks made spaces.
Function YamlEscape
  Push $0
  Push $1
  Push $2
  Push $3
  StrCpy $2 ""
  StrLen $3 $R9
  StrCpy $0 0
  ${DoWhile} $0 < $3
    StrCpy $1 $R9 1 $0
    ${If} $1 == "'"
      StrCpy $2 "$2''"
    ${ElseIf} $1 == "$\r"
    ${OrIf} $1 == "$\n"
      StrCpy $2 "$2 "
    ${Else}
      StrCpy $2 "$2$1"
    ${EndIf}
    IntOp $0 $0 + 1
  ${Loop}
  StrCpy $R9 $2
  Pop $3
  Pop $2
  Pop $1
  Pop $0
FunctionEnd
!macro YamlValue OUT IN
  StrCpy $R9 "${IN}"
  Call YamlEscape
  StrCpy ${OUT} $R9
!macroend

; Writes agent.yaml from the answers (first install only). Values are single-quoted YAML,
; escaped; the agent's own validation (agent check) reports anything else malformed.
Function WriteConfig
  Call SplitSmtp
  ${If} $From == ""
    StrCpy $From $SmtpUser
  ${EndIf}
  ${If} $Tls == ""
    StrCpy $Tls "starttls"
    ${If} $SmtpPort == "465"
      StrCpy $Tls "implicit"
    ${EndIf}
  ${EndIf}
  FileOpen $0 "$ConfDir\agent.yaml" w
  FileWrite $0 "# Written by the ${PRODUCT} ${VERSION} installer. Every key: agent.example.yaml beside this file$\r$\n"
  FileWrite $0 "# and the project's config/agent.example.yaml. Check it: synecdoche agent check -c agent.yaml$\r$\n"
  !insertmacro YamlValue $1 $Site
  FileWrite $0 "site:$\r$\n  id: '$1'$\r$\n"
  ${If} $Client != ""
    !insertmacro YamlValue $1 $Client
    FileWrite $0 "  client: '$1'$\r$\n"
  ${EndIf}
  FileWrite $0 "keyFile: site.key$\r$\n"
  !insertmacro YamlValue $1 $SmtpHost
  FileWrite $0 "smtp:$\r$\n  host: '$1'$\r$\n  port: $SmtpPort$\r$\n  tls: $Tls$\r$\n"
  ${If} $SmtpUser != ""
    !insertmacro YamlValue $1 $SmtpUser
    FileWrite $0 "  user: '$1'$\r$\n  password:$\r$\n    file: smtp-password.txt$\r$\n"
  ${EndIf}
  !insertmacro YamlValue $1 $From
  !insertmacro YamlValue $2 $To
  FileWrite $0 "mail:$\r$\n  from: '$1'$\r$\n  to: '$2'$\r$\n"
  FileWrite $0 "outbox: outbox$\r$\nstateDir: state$\r$\n"
  FileWrite $0 "heartbeat:$\r$\n  schedule: '0 8 * * *'$\r$\n"
  ; The agent needs at least one job. A placeholder: an external robocopy job (reported with
  ; `agent submit`, never started by the service) until the consultant writes the real ones.
  FileWrite $0 "# Backup jobs: replace this placeholder; see the robocopy example in agent.example.yaml.$\r$\n"
  FileWrite $0 "jobs:$\r$\n  - id: server-copy$\r$\n    name: Server copy (robocopy)$\r$\n    plugin: robocopy$\r$\n    external: true$\r$\n"
  FileWrite $0 "    options:$\r$\n      source: 'D:\Shares'$\r$\n      destination: '\\nas\backup\shares'$\r$\n"
  FileClose $0
  ; The password: from /SMTPPASSFILE (kept off the command line) or /SMTPPASS or the page.
  ${If} $SmtpPassFile != ""
    CopyFiles /SILENT "$SmtpPassFile" "$ConfDir\smtp-password.txt"
  ${ElseIf} $SmtpPass != ""
    FileOpen $0 "$ConfDir\smtp-password.txt" w
    FileWrite $0 "$SmtpPass"
    FileClose $0
  ${EndIf}
FunctionEnd

; The service: NSSM registers it, then its settings are written straight into its Parameters
; key (what `nssm set` writes; under Wine, `nssm set` run from the installer did not take).
Function InstallService
  DetailPrint "Installing the ${SERVICE} service (NSSM)"
  ; On an upgrade the service exists already and `install` fails harmlessly.
  ExecWait '"$INSTDIR\nssm.exe" install ${SERVICE} "$INSTDIR\node.exe"' $0
  WriteRegStr HKLM "${SVCKEY}" "DisplayName" "Synecdoche agent"
  WriteRegStr HKLM "${SVCKEY}" "Description" "Runs the Synecdoche backup jobs on their schedules and emails each signed result."
  WriteRegDWORD HKLM "${SVCKEY}" "Start" 2
  WriteRegExpandStr HKLM "${SVCKEY}\Parameters" "Application" "$INSTDIR\node.exe"
  ; --max-semi-space-size=1 keeps the idle agent's memory small (see the README's service notes).
  WriteRegExpandStr HKLM "${SVCKEY}\Parameters" "AppParameters" '--max-semi-space-size=1 "$INSTDIR\app\synecdoche-agent.mjs" agent run -c "$ConfDir\agent.yaml"'
  WriteRegExpandStr HKLM "${SVCKEY}\Parameters" "AppDirectory" "$ConfDir"
  WriteRegExpandStr HKLM "${SVCKEY}\Parameters" "AppStdout" "$ConfDir\logs\agent.log"
  WriteRegExpandStr HKLM "${SVCKEY}\Parameters" "AppStderr" "$ConfDir\logs\agent.log"
  WriteRegDWORD HKLM "${SVCKEY}\Parameters" "AppRotateFiles" 1
  WriteRegDWORD HKLM "${SVCKEY}\Parameters" "AppRotateOnline" 1
  WriteRegDWORD HKLM "${SVCKEY}\Parameters" "AppRotateBytes" 10485760
  WriteRegStr HKLM "${SVCKEY}\Parameters\AppExit" "" "Restart"
  WriteRegDWORD HKLM "${SVCKEY}\Parameters" "AppRestartDelay" 10000
  ; Ctrl+C first, and up to 60 s for the agent to stop a running job and write its report.
  WriteRegDWORD HKLM "${SVCKEY}\Parameters" "AppStopMethodConsole" 60000
  DetailPrint "nssm install: $0; starting the service"
  ; Under Wine (8.0) a start requested from inside the installer leaves the service "start
  ; pending" until a start is requested again from another process; windows/smoke.ts does that.
  ExecWait '"$INSTDIR\nssm.exe" start ${SERVICE}' $1
  DetailPrint "nssm start: $1. Its log: $ConfDir\logs\agent.log"
FunctionEnd

Section "Install"
  SetOutPath "$INSTDIR"
  ; An upgrade: stop the running service first so that node.exe and the bundle can be replaced.
  ${If} ${FileExists} "$INSTDIR\nssm.exe"
    DetailPrint "Stopping the ${SERVICE} service"
    ExecWait '"$INSTDIR\nssm.exe" stop ${SERVICE}' $0
  ${EndIf}
  ; Early builds registered the service with WinSW (.NET): remove that registration.
  ${If} ${FileExists} "$INSTDIR\synecdoche-agent.exe"
    ExecWait '"$INSTDIR\synecdoche-agent.exe" stop' $0
    ExecWait '"$INSTDIR\synecdoche-agent.exe" uninstall' $0
    Delete "$INSTDIR\synecdoche-agent.exe"
    Delete "$INSTDIR\synecdoche-agent.exe.config"
    Delete "$INSTDIR\synecdoche-agent.xml"
  ${EndIf}

  File "${STAGE}\node.exe"
  File "${STAGE}\nssm.exe"
  File "${STAGE}\synecdoche.cmd"
  File "${STAGE}\NOTICE.txt"
  RMDir /r "$INSTDIR\app"
  SetOutPath "$INSTDIR\app"
  File /r "${STAGE}\app\*.*"
  SetOutPath "$INSTDIR"

  ; Site data: created once, never overwritten.
  CreateDirectory "$ConfDir"
  CreateDirectory "$ConfDir\outbox"
  CreateDirectory "$ConfDir\state"
  CreateDirectory "$ConfDir\logs"
  ; Only SYSTEM and Administrators may read the key, the password and the outbox.
  nsExec::Exec 'icacls "$ConfDir" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F'
  Pop $0
  SetOutPath "$ConfDir"
  File "/oname=agent.example.yaml" "${STAGE}\agent.example.yaml"
  SetOutPath "$INSTDIR"
  ${If} $Upgrade == "0"
    Call WriteConfig
  ${EndIf}

  ; The key pair, made here and kept on upgrades. The output goes to a file, not a pipe
  ; (node.exe under Wine fails when its stdout is a pipe; the file is also what to send the
  ; consultant: the public key line).
  ${IfNot} ${FileExists} "$ConfDir\site.key"
    DetailPrint "Making the site key pair"
    ExecWait '"$SYSDIR\cmd.exe" /c ""$INSTDIR\node.exe" "$INSTDIR\app\synecdoche-agent.mjs" agent keygen --site "$Site" --out "$ConfDir\site.key" > "$ConfDir\public-key.txt" 2>&1"' $0
    DetailPrint "agent keygen exited with $0; the public key is in $ConfDir\public-key.txt"
    ; Shown on an interactive install: the line "site ID ed25519:..." to send to the consultant.
    ${IfNot} ${Silent}
      StrCpy $2 ""
      FileOpen $0 "$ConfDir\public-key.txt" r
      ${DoUntil} ${Errors}
        FileRead $0 $1
        StrCpy $3 $1 5
        ${If} $3 == "site "
          StrCpy $2 $1
        ${EndIf}
      ${Loop}
      FileClose $0
      MessageBox MB_OK|MB_ICONINFORMATION "Send this public key to your consultant (it is also in $ConfDir\public-key.txt):$\r$\n$\r$\n$2"
    ${EndIf}
  ${EndIf}

  ${If} $NoService == "0"
    Call InstallService
  ${EndIf}

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "Synecdoche"
  WriteRegStr HKLM "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1
SectionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
  StrCpy $ConfDir "$APPDATA\Synecdoche"
FunctionEnd

Section "Uninstall"
  ${If} ${FileExists} "$INSTDIR\nssm.exe"
    ExecWait '"$INSTDIR\nssm.exe" stop ${SERVICE}' $0
    ExecWait '"$INSTDIR\nssm.exe" remove ${SERVICE} confirm' $0
    DetailPrint "service removed: $0"
  ${EndIf}
  Delete "$INSTDIR\node.exe"
  Delete "$INSTDIR\nssm.exe"
  Delete "$INSTDIR\synecdoche.cmd"
  Delete "$INSTDIR\NOTICE.txt"
  RMDir /r "$INSTDIR\app"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTKEY}"

  ; The site's config, key, outbox and state stay unless /PURGE is given.
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/PURGE" $R1
  ${IfNot} ${Errors}
    DetailPrint "Removing $ConfDir (/PURGE)"
    RMDir /r "$ConfDir"
  ${Else}
    DetailPrint "Keeping $ConfDir (config, key, outbox, state); /PURGE removes it"
  ${EndIf}
SectionEnd
