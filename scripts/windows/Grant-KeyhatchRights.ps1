<#
.SYNOPSIS
  Delegates the Keyhatch service account's least-privilege rights on a users OU (docs/delegation.md).
.DESCRIPTION
  Reset Password, read/write lockoutTime and read/write pwdLastSet on descendant user objects of the
  OU, and Read on the Password Settings Container (fine-grained password policies). Uses dsacls, so
  it runs on any domain-joined machine with the AD DS tools (RSAT); run it elevated as a user who
  may change the OU's permissions. -WhatIf prints the commands only.
.EXAMPLE
  .\Grant-KeyhatchRights.ps1 -Account 'CORP\svc-keyhatch' -UsersOu 'OU=People,DC=corp,DC=example'
.EXAMPLE
  .\Grant-KeyhatchRights.ps1 -Account 'CORP\gmsa-keyhatch$' -UsersOu 'OU=People,DC=corp,DC=example' -WhatIf
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
  [Parameter(Mandatory = $true)][string]$Account,
  [Parameter(Mandatory = $true)][string]$UsersOu,
  # Defaults to the domain of the OU.
  [string]$DomainDn = (($UsersOu -split ',') | Where-Object { $_ -like 'DC=*' }) -join ','
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Command dsacls.exe -ErrorAction SilentlyContinue)) { throw 'dsacls.exe not found: install RSAT "AD DS Tools".' }
$grants = @(
  @($UsersOu, '/I:S', "${Account}:CA;Reset Password;user"),
  @($UsersOu, '/I:S', "${Account}:RPWP;lockoutTime;user"),
  @($UsersOu, '/I:S', "${Account}:RPWP;pwdLastSet;user"),
  @("CN=Password Settings Container,CN=System,$DomainDn", '/I:T', "${Account}:GR")
)
foreach ($g in $grants) {
  $line = "dsacls `"$($g[0])`" $($g[1]) /G `"$($g[2])`""
  if ($PSCmdlet.ShouldProcess($g[0], $line)) {
    & dsacls.exe $g[0] $g[1] /G $g[2] | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "failed: $line" }
    Write-Host "granted: $line"
  }
}
Write-Host 'Now prove it with the account itself: keyhatch doctor (each right is one line).'
