; Synecdoche agent for Windows: the installer and its uninstaller.
; Built on Linux by windows/build.ts: makensis -DVERSION=... -DSTAGE=... -DOUTFILE=... installer.nsi
;
; Program files (replaced on every install/upgrade): $PROGRAMFILES64\Synecdoche
;   node.exe, app\ (the esbuild bundle, package.json, templates\), synecdoche-agent.exe (WinSW)
;   with synecdoche-agent.xml, synecdoche.cmd, uninstall.exe
; Site data (never replaced; kept by the uninstaller unless /PURGE): $APPDATA of all users = C:\ProgramData\Synecdoche
;   agent.yaml, site.key, public-key.txt, smtp-password.txt, outbox\, state\, logs\
;
; Silent install: synecdoche-agent-setup.exe /S /SITE=acme-fs1 /CLIENT="Acme Ltd"
;   /SMTP=smtp.example.com:587 /SMTPUSER=backups@acme.example /SMTPPASS=secret
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

; Writes agent.yaml from the answers (first install only). Values are single-quoted YAML; the
; agent's own validation (agent check) reports anything malformed.
Function WriteConfig
  Call SplitSmtp
  ${If} $From == ""
    StrCpy $From $SmtpUser
  ${EndIf}
  FileOpen $0 "$ConfDir\agent.yaml" w
  FileWrite $0 "# Written by the ${PRODUCT} ${VERSION} installer. Every key: agent.example.yaml beside this file$\r$\n"
  FileWrite $0 "# and the project's config/agent.example.yaml. Check it: synecdoche agent check -c agent.yaml$\r$\n"
  FileWrite $0 "site:$\r$\n  id: '$Site'$\r$\n"
  ${If} $Client != ""
    FileWrite $0 "  client: '$Client'$\r$\n"
  ${EndIf}
  FileWrite $0 "keyFile: site.key$\r$\n"
  FileWrite $0 "smtp:$\r$\n  host: '$SmtpHost'$\r$\n  port: $SmtpPort$\r$\n"
  ${If} $SmtpPort == "465"
    FileWrite $0 "  tls: implicit$\r$\n"
  ${Else}
    FileWrite $0 "  tls: starttls$\r$\n"
  ${EndIf}
  ${If} $SmtpUser != ""
    FileWrite $0 "  user: '$SmtpUser'$\r$\n  password:$\r$\n    file: smtp-password.txt$\r$\n"
  ${EndIf}
  FileWrite $0 "mail:$\r$\n  from: '$From'$\r$\n  to: '$To'$\r$\n"
  FileWrite $0 "outbox: outbox$\r$\nstateDir: state$\r$\n"
  FileWrite $0 "heartbeat:$\r$\n  schedule: '0 8 * * *'$\r$\n"
  ; The agent needs at least one job. A placeholder: an external robocopy job (reported with
  ; `agent submit`, never started by the service) until the consultant writes the real ones.
  FileWrite $0 "# Backup jobs: replace this placeholder; see the robocopy example in agent.example.yaml.$\r$\n"
  FileWrite $0 "jobs:$\r$\n  - id: server-copy$\r$\n    name: Server copy (robocopy)$\r$\n    plugin: robocopy$\r$\n    external: true$\r$\n"
  FileWrite $0 "    options:$\r$\n      source: 'D:\Shares'$\r$\n      destination: '\\nas\backup\shares'$\r$\n"
  FileClose $0
  ${If} $SmtpPass != ""
    FileOpen $0 "$ConfDir\smtp-password.txt" w
    FileWrite $0 "$SmtpPass"
    FileClose $0
  ${EndIf}
FunctionEnd

Section "Install"
  SetOutPath "$INSTDIR"
  ; An upgrade: stop the running service first so that node.exe and the bundle can be replaced.
  ${If} ${FileExists} "$INSTDIR\synecdoche-agent.exe"
    DetailPrint "Stopping the ${SERVICE} service"
    ExecWait '"$INSTDIR\synecdoche-agent.exe" stop' $0
  ${EndIf}

  File "${STAGE}\node.exe"
  File "${STAGE}\synecdoche-agent.exe"
  File "${STAGE}\synecdoche-agent.exe.config"
  File "${STAGE}\synecdoche-agent.xml"
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
  ${EndIf}

  ${If} $NoService == "0"
    DetailPrint "Installing and starting the ${SERVICE} service"
    ; On an upgrade the service exists already and `install` fails harmlessly.
    ExecWait '"$INSTDIR\synecdoche-agent.exe" install' $0
    ExecWait '"$INSTDIR\synecdoche-agent.exe" start' $1
    DetailPrint "service install: $0, start: $1"
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
  ExecWait '"$INSTDIR\synecdoche-agent.exe" stop' $0
  ExecWait '"$INSTDIR\synecdoche-agent.exe" uninstall' $0
  Delete "$INSTDIR\node.exe"
  Delete "$INSTDIR\synecdoche-agent.exe"
  Delete "$INSTDIR\synecdoche-agent.exe.config"
  Delete "$INSTDIR\synecdoche-agent.xml"
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
