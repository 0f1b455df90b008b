#Requires -RunAsAdministrator
<#
.SYNOPSIS
    Installs otel-board as the Windows service "otel-board" (through WinSW) and starts it.

.DESCRIPTION
    Expects otel-board.exe in -InstallDir. Puts WinSW there as otel-board-service.exe (copied
    from -WinSWPath when given) and the service definition as otel-board-service.xml (copied
    from -ConfigPath unless one is already there, so local edits survive a reinstall), then runs
    "otel-board-service.exe install", starts the service and prints its status. The folder is
    restricted to Administrators and SYSTEM first: it holds the database and the generated
    admin password file.
    Run uninstall.ps1 first to reinstall.

.PARAMETER InstallDir
    Folder holding otel-board.exe; the database and the logs folder are created there too.

.PARAMETER WinSWPath
    A downloaded WinSW-x64.exe to copy into -InstallDir as otel-board-service.exe.

.PARAMETER ConfigPath
    The WinSW XML to copy as otel-board-service.xml (default: otel-board.xml beside this script).

.EXAMPLE
    .\install.ps1 -WinSWPath "$env:USERPROFILE\Downloads\WinSW-x64.exe"
#>
[CmdletBinding()]
param(
    [string]$InstallDir = 'C:\otel-board',
    [string]$WinSWPath = '',
    [string]$ConfigPath = (Join-Path $PSScriptRoot 'otel-board.xml')
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$serviceId = 'otel-board'
$wrapper = Join-Path $InstallDir 'otel-board-service.exe'
$wrapperXml = Join-Path $InstallDir 'otel-board-service.xml'

if (-not (Test-Path -LiteralPath (Join-Path $InstallDir 'otel-board.exe'))) {
    throw "Cannot find otel-board.exe in ${InstallDir}: copy dist\otel-board.exe there first"
}
if (Get-Service -Name $serviceId -ErrorAction SilentlyContinue) {
    throw "The service $serviceId is already installed: run uninstall.ps1 first"
}
if ($WinSWPath -ne '') {
    Copy-Item -LiteralPath $WinSWPath -Destination $wrapper -Force
}
if (-not (Test-Path -LiteralPath $wrapper)) {
    throw "Cannot find ${wrapper}: pass -WinSWPath <path of WinSW-x64.exe>"
}
if (-not (Test-Path -LiteralPath $wrapperXml)) {
    Copy-Item -LiteralPath $ConfigPath -Destination $wrapperXml
}

# The folder holds the database and, after the first start or reset-admin-password, the
# generated admin password (README, "The first admin"). Windows has no file modes, so the folder's
# ACL protects them: only Administrators and SYSTEM (the account WinSW runs the service as) may
# open it, and every file in it inherits that. SIDs rather than names work in every Windows
# language. First every file back to inheriting only, then the folder's own entries replaced.
& icacls.exe $InstallDir /reset /T /Q | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls /reset failed on ${InstallDir} (exit $LASTEXITCODE)" }
& icacls.exe $InstallDir /inheritance:r /grant:r '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-18:(OI)(CI)F' /Q | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls failed to restrict ${InstallDir} (exit $LASTEXITCODE)" }

& $wrapper install
if ($LASTEXITCODE -ne 0) { throw "otel-board-service.exe install failed (exit $LASTEXITCODE)" }
Start-Service -Name $serviceId
Get-Service -Name $serviceId | Format-Table -AutoSize Name, Status, StartType
Write-Host "Logs: $(Join-Path $InstallDir 'logs')"
