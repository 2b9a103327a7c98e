@echo off
rem The agent's command line: synecdoche agent check -c C:\ProgramData\Synecdoche\agent.yaml
"%~dp0node.exe" --max-semi-space-size=1 "%~dp0app\synecdoche-agent.mjs" %*
