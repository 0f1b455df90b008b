#Requires -RunAsAdministrator
<#
.SYNOPSIS
    Stops the Windows service "otel-board" and uninstalls it.

.DESCRIPTION
    Stopping sends Ctrl+C: otel-board finishes in-flight requests, writes pending call-log rows
    and flushes telemetry (WinSW waits up to the XML's stoptimeout). Then runs
    "otel-board-service.exe uninstall". otel-board.exe, the database and the logs stay in
    -InstallDir.

.PARAMETER InstallDir
    Folder holding otel-board-service.exe (the renamed WinSW) and otel-board-service.xml.

.EXAMPLE
    .\uninstall.ps1
#>
[CmdletBinding()]
param(
    [string]$InstallDir = 'C:\otel-board'
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$serviceId = 'otel-board'
$wrapper = Join-Path $InstallDir 'otel-board-service.exe'

$service = Get-Service -Name $serviceId -ErrorAction SilentlyContinue
if ($null -eq $service) {
    Write-Host "The service $serviceId is not installed"
    return
}
if ($service.Status -ne 'Stopped') {
    Stop-Service -Name $serviceId
}
& $wrapper uninstall
if ($LASTEXITCODE -ne 0) { throw "otel-board-service.exe uninstall failed (exit $LASTEXITCODE)" }
Write-Host "Uninstalled $serviceId; otel-board.exe, otel-board.db and logs remain in $InstallDir"
