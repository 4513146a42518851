// The Group Policy template's single source: categories, policies, elements and their texts in
// the kiosk's five languages. scripts/gen-admx.ts writes Keyhatch.admx and <locale>/Keyhatch.adml
// from it; test/installer/admx.test.ts checks the written files match and are well-formed ADMX.
// Every registry value here must be in daemon/src/config/policy-map.ts (and the reverse).

export const LOCALES = ['en-US', 'de-DE', 'fr-FR', 'es-ES', 'nl-NL'] as const;
export type Locale = (typeof LOCALES)[number];
type T = Record<Locale, string>;

export interface Category { id: string; parent?: string; name: T }

export type Element =
  | { kind: 'text'; id: string; valueName?: string; maxLength: number; label: T }
  | { kind: 'decimal'; id: string; valueName?: string; min: number; max: number; label: T }
  | { kind: 'enum'; id: string; valueName?: string; label: T; items: Array<{ id: string; value: string; name: T }> };

export interface Policy {
  id: string;
  category: string;
  /** Subkey under SOFTWARE\Policies\Keyhatch ('' = the root). */
  key: string;
  /** On/off policy writing REG_DWORD 1/0 to this value (no elements). */
  flag?: string;
  elements?: Element[];
  name: T;
  help: T;
}

export const CATEGORIES: Category[] = [
  { id: 'Keyhatch', name: { 'en-US': 'Keyhatch', 'de-DE': 'Keyhatch', 'fr-FR': 'Keyhatch', 'es-ES': 'Keyhatch', 'nl-NL': 'Keyhatch' } },
  { id: 'Service', parent: 'Keyhatch', name: { 'en-US': 'Service', 'de-DE': 'Dienst', 'fr-FR': 'Service', 'es-ES': 'Servicio', 'nl-NL': 'Service' } },
  { id: 'Relay', parent: 'Keyhatch', name: { 'en-US': 'Workstation relay', 'de-DE': 'Arbeitsplatz-Relay', 'fr-FR': 'Relais du poste de travail', 'es-ES': 'Relé del equipo', 'nl-NL': 'Werkstation-relay' } },
  { id: 'Kiosk', parent: 'Keyhatch', name: { 'en-US': 'Kiosk', 'de-DE': 'Kiosk', 'fr-FR': 'Kiosque', 'es-ES': 'Quiosco', 'nl-NL': 'Kiosk' } },
  { id: 'Recovery', parent: 'Keyhatch', name: { 'en-US': 'Verification (standalone sites)', 'de-DE': 'Überprüfung (eigenständige Standorte)', 'fr-FR': 'Vérification (sites autonomes)', 'es-ES': 'Verificación (sitios independientes)', 'nl-NL': 'Verificatie (zelfstandige locaties)' } },
  { id: 'CredentialProvider', parent: 'Keyhatch', name: { 'en-US': 'Logon screen (credential provider)', 'de-DE': 'Anmeldebildschirm (Anmeldeinformationsanbieter)', 'fr-FR': 'Écran d\'ouverture de session (fournisseur d\'informations d\'identification)', 'es-ES': 'Pantalla de inicio de sesión (proveedor de credenciales)', 'nl-NL': 'Aanmeldscherm (referentieprovider)' } },
];

const reg = (key: string, what: string): string => `HKLM\\SOFTWARE\\Policies\\Keyhatch${key ? `\\${key}` : ''}, ${what}`;
const notSecret: T = {
  'en-US': 'Policy values are readable by every user: never enter a secret here.',
  'de-DE': 'Richtlinienwerte kann jeder Benutzer lesen: geben Sie hier niemals ein Geheimnis ein.',
  'fr-FR': 'Les valeurs de stratégie sont lisibles par tous les utilisateurs : n\'entrez jamais de secret ici.',
  'es-ES': 'Cualquier usuario puede leer los valores de directiva: no escriba nunca un secreto aquí.',
  'nl-NL': 'Beleidswaarden zijn voor elke gebruiker leesbaar: voer hier nooit een geheim in.',
};
const restart: T = {
  'en-US': 'The Keyhatch service applies a change within seconds by restarting itself.',
  'de-DE': 'Der Keyhatch-Dienst übernimmt eine Änderung innerhalb von Sekunden, indem er sich neu startet.',
  'fr-FR': 'Le service Keyhatch applique une modification en quelques secondes en redémarrant.',
  'es-ES': 'El servicio Keyhatch aplica un cambio en unos segundos reiniciándose.',
  'nl-NL': 'De Keyhatch-service past een wijziging binnen enkele seconden toe door zichzelf opnieuw te starten.',
};
const REGISTRY: T = { 'en-US': 'Registry', 'de-DE': 'Registrierung', 'fr-FR': 'Registre', 'es-ES': 'Registro', 'nl-NL': 'Register' };
const regLine = (key: string, what: string): T => Object.fromEntries(LOCALES.map((l) => [l, `${REGISTRY[l]}: ${reg(key, what)}.`])) as T;
const join = (...parts: T[]): T => Object.fromEntries(LOCALES.map((l) => [l, parts.map((p) => p[l]).join('\n\n')])) as T;
const same = (s: string): T => ({ 'en-US': s, 'de-DE': s, 'fr-FR': s, 'es-ES': s, 'nl-NL': s });

const requirement = (action: 'Unlock' | 'Reset', name: T, help: T): Policy => ({
  id: `${action}Requirement`, category: 'Recovery', key: 'Recovery', name,
  help: join(help, regLine('Recovery', `REG_DWORD ${action}Factors, REG_DWORD ${action}MinWeight`), restart),
  elements: [
    { kind: 'decimal', id: `${action}Factors`, min: 1, max: 4, label: { 'en-US': 'Number of methods:', 'de-DE': 'Anzahl der Methoden:', 'fr-FR': 'Nombre de méthodes :', 'es-ES': 'Número de métodos:', 'nl-NL': 'Aantal methoden:' } },
    { kind: 'decimal', id: `${action}MinWeight`, min: 1, max: 8, label: { 'en-US': 'Minimum total weight (strong = 2, weak = 1):', 'de-DE': 'Mindestgewicht gesamt (stark = 2, schwach = 1):', 'fr-FR': 'Poids total minimal (fort = 2, faible = 1) :', 'es-ES': 'Peso total mínimo (fuerte = 2, débil = 1):', 'nl-NL': 'Minimaal totaalgewicht (sterk = 2, zwak = 1):' } },
  ],
});

export const POLICIES: Policy[] = [
  {
    id: 'Role', category: 'Service', key: '',
    name: { 'en-US': 'Role of this machine', 'de-DE': 'Rolle dieses Computers', 'fr-FR': 'Rôle de cet ordinateur', 'es-ES': 'Función de este equipo', 'nl-NL': 'Rol van deze computer' },
    help: join({
      'en-US': 'Sets whether Keyhatch on this machine is a workstation relay (forwards to a gateway), a gateway (server) or standalone (one machine with its own directory settings).\n\nIf you do not configure this policy setting, the role from the configuration file is used (standalone by default).',
      'de-DE': 'Legt fest, ob Keyhatch auf diesem Computer ein Arbeitsplatz-Relay (leitet an ein Gateway weiter), ein Gateway (Server) oder eigenständig (ein Computer mit eigenen Verzeichniseinstellungen) ist.\n\nWenn Sie diese Richtlinieneinstellung nicht konfigurieren, gilt die Rolle aus der Konfigurationsdatei (standardmäßig eigenständig).',
      'fr-FR': 'Définit si Keyhatch sur cet ordinateur est un relais de poste de travail (transmet à une passerelle), une passerelle (serveur) ou autonome (un ordinateur avec ses propres paramètres d\'annuaire).\n\nSi vous ne configurez pas ce paramètre de stratégie, le rôle du fichier de configuration est utilisé (autonome par défaut).',
      'es-ES': 'Establece si Keyhatch en este equipo es un relé de puesto de trabajo (reenvía a una puerta de enlace), una puerta de enlace (servidor) o independiente (un equipo con su propia configuración de directorio).\n\nSi no configura esta opción de directiva, se usa la función del archivo de configuración (independiente de forma predeterminada).',
      'nl-NL': 'Bepaalt of Keyhatch op deze computer een werkstation-relay is (stuurt door naar een gateway), een gateway (server) of zelfstandig (één computer met eigen directory-instellingen).\n\nAls u deze beleidsinstelling niet configureert, geldt de rol uit het configuratiebestand (standaard zelfstandig).',
    }, regLine('', 'REG_SZ Role (standalone, gateway, relay)'), restart),
    elements: [{
      kind: 'enum', id: 'Role', label: { 'en-US': 'Role:', 'de-DE': 'Rolle:', 'fr-FR': 'Rôle :', 'es-ES': 'Función:', 'nl-NL': 'Rol:' },
      items: [
        { id: 'Role_Relay', value: 'relay', name: { 'en-US': 'Workstation relay', 'de-DE': 'Arbeitsplatz-Relay', 'fr-FR': 'Relais de poste de travail', 'es-ES': 'Relé de puesto de trabajo', 'nl-NL': 'Werkstation-relay' } },
        { id: 'Role_Gateway', value: 'gateway', name: { 'en-US': 'Gateway (server)', 'de-DE': 'Gateway (Server)', 'fr-FR': 'Passerelle (serveur)', 'es-ES': 'Puerta de enlace (servidor)', 'nl-NL': 'Gateway (server)' } },
        { id: 'Role_Standalone', value: 'standalone', name: { 'en-US': 'Standalone', 'de-DE': 'Eigenständig', 'fr-FR': 'Autonome', 'es-ES': 'Independiente', 'nl-NL': 'Zelfstandig' } },
      ],
    }],
  },
  {
    id: 'LogLevel', category: 'Service', key: '',
    name: { 'en-US': 'Log level', 'de-DE': 'Protokollierungsstufe', 'fr-FR': 'Niveau de journalisation', 'es-ES': 'Nivel de registro', 'nl-NL': 'Logniveau' },
    help: join({
      'en-US': 'Sets how much the Keyhatch service writes to its diagnostic log. The audit trail is not affected. Secrets are never logged at any level.',
      'de-DE': 'Legt fest, wie viel der Keyhatch-Dienst in sein Diagnoseprotokoll schreibt. Das Überwachungsprotokoll ist nicht betroffen. Geheimnisse werden auf keiner Stufe protokolliert.',
      'fr-FR': 'Définit la quantité d\'informations que le service Keyhatch écrit dans son journal de diagnostic. La piste d\'audit n\'est pas concernée. Les secrets ne sont jamais journalisés.',
      'es-ES': 'Establece cuánto escribe el servicio Keyhatch en su registro de diagnóstico. El registro de auditoría no se ve afectado. Los secretos nunca se registran.',
      'nl-NL': 'Bepaalt hoeveel de Keyhatch-service naar zijn diagnoselogboek schrijft. Het auditlogboek verandert niet. Geheimen worden nooit gelogd.',
    }, regLine('', 'REG_SZ LogLevel (error, warn, info, debug)'), restart),
    elements: [{
      kind: 'enum', id: 'LogLevel', label: { 'en-US': 'Level:', 'de-DE': 'Stufe:', 'fr-FR': 'Niveau :', 'es-ES': 'Nivel:', 'nl-NL': 'Niveau:' },
      items: (['error', 'warn', 'info', 'debug'] as const).map((v) => ({ id: `LogLevel_${v}`, value: v, name: same(v) })),
    }],
  },
  {
    id: 'GatewayUrls', category: 'Relay', key: 'Relay',
    name: { 'en-US': 'Gateway URLs', 'de-DE': 'Gateway-URLs', 'fr-FR': 'URL des passerelles', 'es-ES': 'URL de las puertas de enlace', 'nl-NL': 'Gateway-URL\'s' },
    help: join({
      'en-US': 'The https:// URLs of the Keyhatch gateways this workstation relays to, separated by commas, tried in order.',
      'de-DE': 'Die https://-URLs der Keyhatch-Gateways, an die dieser Arbeitsplatz weiterleitet, durch Kommas getrennt, in dieser Reihenfolge versucht.',
      'fr-FR': 'Les URL https:// des passerelles Keyhatch vers lesquelles ce poste relaie, séparées par des virgules, essayées dans l\'ordre.',
      'es-ES': 'Las URL https:// de las puertas de enlace de Keyhatch a las que este equipo reenvía, separadas por comas, probadas en orden.',
      'nl-NL': 'De https://-URL\'s van de Keyhatch-gateways waarnaar dit werkstation doorstuurt, gescheiden door komma\'s, in volgorde geprobeerd.',
    }, regLine('Relay', 'REG_SZ GatewayUrls'), notSecret, restart),
    elements: [{ kind: 'text', id: 'GatewayUrls', maxLength: 2048, label: { 'en-US': 'URLs (comma separated):', 'de-DE': 'URLs (durch Kommas getrennt):', 'fr-FR': 'URL (séparées par des virgules) :', 'es-ES': 'URL (separadas por comas):', 'nl-NL': 'URL\'s (gescheiden door komma\'s):' } }],
  },
  {
    id: 'GatewayPin', category: 'Relay', key: 'Relay',
    name: { 'en-US': 'Gateway certificate pin', 'de-DE': 'Gateway-Zertifikatspin', 'fr-FR': 'Épinglage du certificat de la passerelle', 'es-ES': 'Anclaje del certificado de la puerta de enlace', 'nl-NL': 'Certificaatpin van de gateway' },
    help: join({
      'en-US': 'sha256/ followed by the base64 SHA-256 of the gateway CA\'s (or certificate\'s) public key. The relay refuses a gateway that does not match. This is a public fingerprint, not a secret.',
      'de-DE': 'sha256/ gefolgt vom Base64-SHA-256 des öffentlichen Schlüssels der Gateway-Zertifizierungsstelle (oder des Zertifikats). Das Relay lehnt ein Gateway ab, das nicht passt. Dies ist ein öffentlicher Fingerabdruck, kein Geheimnis.',
      'fr-FR': 'sha256/ suivi du SHA-256 en base64 de la clé publique de l\'autorité de certification (ou du certificat) de la passerelle. Le relais refuse une passerelle qui ne correspond pas. C\'est une empreinte publique, pas un secret.',
      'es-ES': 'sha256/ seguido del SHA-256 en base64 de la clave pública de la entidad de certificación (o del certificado) de la puerta de enlace. El relé rechaza una puerta de enlace que no coincida. Es una huella pública, no un secreto.',
      'nl-NL': 'sha256/ gevolgd door de base64-SHA-256 van de openbare sleutel van de CA (of het certificaat) van de gateway. De relay weigert een gateway die niet overeenkomt. Dit is een openbare vingerafdruk, geen geheim.',
    }, regLine('Relay', 'REG_SZ GatewayPin'), restart),
    elements: [{ kind: 'text', id: 'GatewayPin', maxLength: 51, label: { 'en-US': 'Pin (sha256/…):', 'de-DE': 'Pin (sha256/…):', 'fr-FR': 'Épinglage (sha256/…) :', 'es-ES': 'Anclaje (sha256/…):', 'nl-NL': 'Pin (sha256/…):' } }],
  },
  {
    id: 'UpdateCachedCredentials', category: 'Relay', key: 'Relay', flag: 'UpdateCachedCredentials',
    name: { 'en-US': 'Update cached logon credentials after a reset while no domain controller is reachable', 'de-DE': 'Zwischengespeicherte Anmeldeinformationen nach einer Zurücksetzung aktualisieren, wenn kein Domänencontroller erreichbar ist', 'fr-FR': 'Mettre à jour les informations d\'ouverture de session mises en cache après une réinitialisation si aucun contrôleur de domaine n\'est joignable', 'es-ES': 'Actualizar las credenciales de inicio de sesión almacenadas en caché tras un restablecimiento si no hay ningún controlador de dominio accesible', 'nl-NL': 'Aanmeldgegevens in de cache bijwerken na een herstel als er geen domeincontroller bereikbaar is' },
    help: join({
      'en-US': 'Laptops away from the office: after a user\'s password was reset through the Keyhatch gateway, the relay (running as SYSTEM) updates this computer\'s cached logon credential for that user (MSV1_0 ChangeCachedPassword) when no domain controller of the user\'s domain is reachable, so the next sign-in without a network connection accepts the new password. With a domain controller in reach nothing is changed: Windows updates the cache at the next sign-in itself.\n\nCaveat: secrets protected with the old password (saved Wi-Fi, VPN or browser passwords, EFS) may ask again until the user signs in once with a domain controller reachable.\n\nIf you enable or do not configure this policy setting, the cached credential is updated as described.\n\nIf you disable this policy setting, the relay never changes cached credentials; an offline sign-in then needs the old password until a domain controller is reachable.',
      'de-DE': 'Laptops außerhalb des Büros: Nachdem das Kennwort eines Benutzers über das Keyhatch-Gateway zurückgesetzt wurde, aktualisiert das Relay (als SYSTEM) die zwischengespeicherten Anmeldeinformationen dieses Benutzers auf diesem Computer (MSV1_0 ChangeCachedPassword), wenn kein Domänencontroller seiner Domäne erreichbar ist, sodass die nächste Anmeldung ohne Netzwerk das neue Kennwort annimmt. Ist ein Domänencontroller erreichbar, wird nichts geändert: Windows aktualisiert den Zwischenspeicher bei der nächsten Anmeldung selbst.\n\nHinweis: Mit dem alten Kennwort geschützte Geheimnisse (gespeicherte WLAN-, VPN- oder Browserkennwörter, EFS) können erneut abgefragt werden, bis sich der Benutzer einmal mit erreichbarem Domänencontroller anmeldet.\n\nWenn Sie diese Richtlinieneinstellung aktivieren oder nicht konfigurieren, werden die zwischengespeicherten Anmeldeinformationen wie beschrieben aktualisiert.\n\nWenn Sie sie deaktivieren, ändert das Relay nie zwischengespeicherte Anmeldeinformationen; eine Anmeldung ohne Netzwerk braucht dann das alte Kennwort, bis ein Domänencontroller erreichbar ist.',
      'fr-FR': 'Ordinateurs portables hors du bureau : après la réinitialisation du mot de passe d\'un utilisateur par la passerelle Keyhatch, le relais (exécuté en tant que SYSTEM) met à jour les informations d\'ouverture de session mises en cache de cet utilisateur sur cet ordinateur (MSV1_0 ChangeCachedPassword) lorsqu\'aucun contrôleur de son domaine n\'est joignable, afin que la prochaine ouverture de session hors connexion accepte le nouveau mot de passe. Si un contrôleur de domaine est joignable, rien n\'est modifié : Windows met le cache à jour lui-même à la prochaine ouverture de session.\n\nRemarque : les secrets protégés par l\'ancien mot de passe (mots de passe Wi-Fi, VPN ou de navigateur enregistrés, EFS) peuvent être redemandés jusqu\'à ce que l\'utilisateur ouvre une session avec un contrôleur de domaine joignable.\n\nSi vous activez ou ne configurez pas ce paramètre de stratégie, les informations mises en cache sont mises à jour comme décrit.\n\nSi vous le désactivez, le relais ne modifie jamais les informations mises en cache ; une ouverture de session hors connexion nécessite alors l\'ancien mot de passe jusqu\'à ce qu\'un contrôleur de domaine soit joignable.',
      'es-ES': 'Portátiles fuera de la oficina: después de restablecer la contraseña de un usuario a través de la puerta de enlace de Keyhatch, el relé (que se ejecuta como SYSTEM) actualiza las credenciales de inicio de sesión almacenadas en caché de ese usuario en este equipo (MSV1_0 ChangeCachedPassword) cuando no hay ningún controlador de su dominio accesible, de modo que el siguiente inicio de sesión sin red acepte la contraseña nueva. Si hay un controlador de dominio accesible no se cambia nada: Windows actualiza la caché en el siguiente inicio de sesión.\n\nAdvertencia: los secretos protegidos con la contraseña anterior (contraseñas guardadas de Wi-Fi, VPN o del explorador, EFS) pueden volver a solicitarse hasta que el usuario inicie sesión una vez con un controlador de dominio accesible.\n\nSi habilita o no configura esta opción de directiva, las credenciales en caché se actualizan como se describe.\n\nSi la deshabilita, el relé nunca cambia las credenciales en caché; un inicio de sesión sin red necesita entonces la contraseña anterior hasta que haya un controlador de dominio accesible.',
      'nl-NL': 'Laptops buiten kantoor: nadat het wachtwoord van een gebruiker via de Keyhatch-gateway opnieuw is ingesteld, werkt de relay (als SYSTEM) de aanmeldgegevens van die gebruiker in de cache van deze computer bij (MSV1_0 ChangeCachedPassword) als er geen domeincontroller van zijn domein bereikbaar is, zodat de volgende aanmelding zonder netwerk het nieuwe wachtwoord accepteert. Is er een domeincontroller bereikbaar, dan verandert er niets: Windows werkt de cache bij de volgende aanmelding zelf bij.\n\nLet op: geheimen die met het oude wachtwoord zijn beveiligd (opgeslagen wifi-, VPN- of browserwachtwoorden, EFS) kunnen opnieuw worden gevraagd totdat de gebruiker zich eenmaal aanmeldt met een bereikbare domeincontroller.\n\nAls u deze beleidsinstelling inschakelt of niet configureert, worden de aanmeldgegevens in de cache bijgewerkt zoals beschreven.\n\nAls u deze uitschakelt, wijzigt de relay nooit aanmeldgegevens in de cache; een aanmelding zonder netwerk vereist dan het oude wachtwoord totdat een domeincontroller bereikbaar is.',
    }, regLine('Relay', 'REG_DWORD UpdateCachedCredentials (1, 0)'), restart),
  },
  {
    id: 'KioskIdleSeconds', category: 'Kiosk', key: 'Kiosk',
    name: { 'en-US': 'Kiosk idle timeout', 'de-DE': 'Leerlaufzeit des Kiosks', 'fr-FR': 'Délai d\'inactivité du kiosque', 'es-ES': 'Tiempo de inactividad del quiosco', 'nl-NL': 'Inactiviteitstijd van de kiosk' },
    help: join({
      'en-US': 'The password reset window on the logon screen closes after this many seconds without input (30 to 3600; default 300).',
      'de-DE': 'Das Fenster zur Kennwortzurücksetzung auf dem Anmeldebildschirm schließt sich nach so vielen Sekunden ohne Eingabe (30 bis 3600; Standard 300).',
      'fr-FR': 'La fenêtre de réinitialisation du mot de passe sur l\'écran d\'ouverture de session se ferme après ce nombre de secondes sans saisie (30 à 3600 ; 300 par défaut).',
      'es-ES': 'La ventana de restablecimiento de contraseña de la pantalla de inicio de sesión se cierra tras estos segundos sin actividad (de 30 a 3600; 300 de forma predeterminada).',
      'nl-NL': 'Het venster voor wachtwoordherstel op het aanmeldscherm sluit na zoveel seconden zonder invoer (30 tot 3600; standaard 300).',
    }, regLine('Kiosk', 'REG_DWORD IdleSeconds'), restart),
    elements: [{ kind: 'decimal', id: 'IdleSeconds', min: 30, max: 3600, label: { 'en-US': 'Seconds:', 'de-DE': 'Sekunden:', 'fr-FR': 'Secondes :', 'es-ES': 'Segundos:', 'nl-NL': 'Seconden:' } }],
  },
  {
    id: 'KioskLanguage', category: 'Kiosk', key: 'Kiosk',
    name: { 'en-US': 'Kiosk language', 'de-DE': 'Sprache des Kiosks', 'fr-FR': 'Langue du kiosque', 'es-ES': 'Idioma del quiosco', 'nl-NL': 'Taal van de kiosk' },
    help: join({
      'en-US': 'The language the password reset window opens in: en, de, fr, es or nl (a region such as de-AT is accepted). Users can still pick another language in the window. If not configured, the display language is used.',
      'de-DE': 'Die Sprache, in der sich das Fenster zur Kennwortzurücksetzung öffnet: en, de, fr, es oder nl (eine Region wie de-AT ist zulässig). Benutzer können im Fenster eine andere Sprache wählen. Ohne Konfiguration gilt die Anzeigesprache.',
      'fr-FR': 'La langue d\'ouverture de la fenêtre de réinitialisation : en, de, fr, es ou nl (une région comme fr-BE est acceptée). Les utilisateurs peuvent choisir une autre langue dans la fenêtre. Sans configuration, la langue d\'affichage est utilisée.',
      'es-ES': 'El idioma en que se abre la ventana de restablecimiento: en, de, fr, es o nl (se acepta una región como es-MX). Los usuarios pueden elegir otro idioma en la ventana. Si no se configura, se usa el idioma de presentación.',
      'nl-NL': 'De taal waarin het venster voor wachtwoordherstel opent: en, de, fr, es of nl (een regio zoals nl-BE is toegestaan). Gebruikers kunnen in het venster een andere taal kiezen. Zonder configuratie geldt de weergavetaal.',
    }, regLine('Kiosk', 'REG_SZ Language'), restart),
    elements: [{ kind: 'text', id: 'KioskLanguageTag', valueName: 'Language', maxLength: 15, label: { 'en-US': 'Language tag:', 'de-DE': 'Sprachkennung:', 'fr-FR': 'Balise de langue :', 'es-ES': 'Etiqueta de idioma:', 'nl-NL': 'Taalcode:' } }],
  },
  {
    id: 'KioskHostName', category: 'Kiosk', key: 'Kiosk',
    name: { 'en-US': 'Kiosk host name (security keys)', 'de-DE': 'Hostname des Kiosks (Sicherheitsschlüssel)', 'fr-FR': 'Nom d\'hôte du kiosque (clés de sécurité)', 'es-ES': 'Nombre de host del quiosco (llaves de seguridad)', 'nl-NL': 'Hostnaam van de kiosk (beveiligingssleutels)' },
    help: join({
      'en-US': 'A DNS name under the gateway\'s WebAuthn relying party ID (for example keyhatch-kiosk.corp.example when the ID is corp.example) that the password reset window loads its page from. The window maps the name to this computer itself; no DNS record is needed. Set it when users verify with a security key enrolled on the portal: keys only work for pages under that ID. The relay serves the name without further settings.\n\nIf not configured, the window uses localhost and security keys enrolled on the portal cannot be used at the logon screen.',
      'de-DE': 'Ein DNS-Name unterhalb der WebAuthn-ID der vertrauenden Seite des Gateways (zum Beispiel keyhatch-kiosk.corp.example bei der ID corp.example), von dem das Fenster zur Kennwortzurücksetzung seine Seite lädt. Das Fenster ordnet den Namen selbst diesem Computer zu; ein DNS-Eintrag ist nicht nötig. Legen Sie ihn fest, wenn Benutzer sich mit einem im Portal registrierten Sicherheitsschlüssel ausweisen: Schlüssel funktionieren nur für Seiten unterhalb dieser ID. Das Relay bedient den Namen ohne weitere Einstellungen.\n\nOhne Konfiguration verwendet das Fenster localhost, und im Portal registrierte Sicherheitsschlüssel sind am Anmeldebildschirm nicht nutzbar.',
      'fr-FR': 'Un nom DNS sous l\'ID de partie de confiance WebAuthn de la passerelle (par exemple keyhatch-kiosk.corp.example pour l\'ID corp.example) depuis lequel la fenêtre de réinitialisation charge sa page. La fenêtre associe elle-même ce nom à cet ordinateur ; aucun enregistrement DNS n\'est nécessaire. Définissez-le lorsque les utilisateurs se vérifient avec une clé de sécurité inscrite sur le portail : les clés ne fonctionnent que pour les pages sous cet ID. Le relais sert ce nom sans autre réglage.\n\nSans configuration, la fenêtre utilise localhost et les clés de sécurité inscrites sur le portail ne sont pas utilisables à l\'écran d\'ouverture de session.',
      'es-ES': 'Un nombre DNS bajo el identificador de usuario de confianza WebAuthn de la puerta de enlace (por ejemplo keyhatch-kiosk.corp.example si el identificador es corp.example) desde el que la ventana de restablecimiento carga su página. La ventana asigna el nombre a este equipo por sí misma; no hace falta ningún registro DNS. Configúrelo cuando los usuarios se verifiquen con una llave de seguridad registrada en el portal: las llaves solo funcionan en páginas bajo ese identificador. El relé sirve el nombre sin más ajustes.\n\nSi no se configura, la ventana usa localhost y las llaves de seguridad registradas en el portal no se pueden usar en la pantalla de inicio de sesión.',
      'nl-NL': 'Een DNS-naam onder de WebAuthn-relying-party-ID van de gateway (bijvoorbeeld keyhatch-kiosk.corp.example bij de ID corp.example) waarvan het venster voor wachtwoordherstel zijn pagina laadt. Het venster koppelt de naam zelf aan deze computer; een DNS-record is niet nodig. Stel dit in wanneer gebruikers zich verifiëren met een in het portaal geregistreerde beveiligingssleutel: sleutels werken alleen voor pagina\'s onder die ID. De relay bedient de naam zonder verdere instellingen.\n\nZonder configuratie gebruikt het venster localhost en kunnen in het portaal geregistreerde beveiligingssleutels niet op het aanmeldscherm worden gebruikt.',
    }, regLine('Kiosk', 'REG_SZ HostName'), restart),
    elements: [{ kind: 'text', id: 'KioskHostName', valueName: 'HostName', maxLength: 253, label: { 'en-US': 'Host name:', 'de-DE': 'Hostname:', 'fr-FR': 'Nom d\'hôte :', 'es-ES': 'Nombre de host:', 'nl-NL': 'Hostnaam:' } }],
  },
  {
    id: 'EnabledFactors', category: 'Recovery', key: 'Recovery',
    name: { 'en-US': 'Verification methods offered', 'de-DE': 'Angebotene Überprüfungsmethoden', 'fr-FR': 'Méthodes de vérification proposées', 'es-ES': 'Métodos de verificación ofrecidos', 'nl-NL': 'Aangeboden verificatiemethoden' },
    help: join({
      'en-US': 'Standalone sites: the verification methods users may enroll and use, comma separated, from email, sms, totp, webauthn, questions, helpdesk. On a relay this setting is made on the gateway.',
      'de-DE': 'Eigenständige Standorte: die Überprüfungsmethoden, die Benutzer registrieren und verwenden dürfen, durch Kommas getrennt, aus email, sms, totp, webauthn, questions, helpdesk. Bei einem Relay wird dies auf dem Gateway festgelegt.',
      'fr-FR': 'Sites autonomes : les méthodes de vérification que les utilisateurs peuvent inscrire et utiliser, séparées par des virgules, parmi email, sms, totp, webauthn, questions, helpdesk. Sur un relais, ce réglage se fait sur la passerelle.',
      'es-ES': 'Sitios independientes: los métodos de verificación que los usuarios pueden registrar y usar, separados por comas, entre email, sms, totp, webauthn, questions, helpdesk. En un relé se configura en la puerta de enlace.',
      'nl-NL': 'Zelfstandige locaties: de verificatiemethoden die gebruikers mogen registreren en gebruiken, gescheiden door komma\'s, uit email, sms, totp, webauthn, questions, helpdesk. Op een relay stelt u dit op de gateway in.',
    }, regLine('Recovery', 'REG_SZ EnabledFactors'), restart),
    elements: [{ kind: 'text', id: 'EnabledFactors', maxLength: 128, label: { 'en-US': 'Methods:', 'de-DE': 'Methoden:', 'fr-FR': 'Méthodes :', 'es-ES': 'Métodos:', 'nl-NL': 'Methoden:' } }],
  },
  requirement('Unlock',
    { 'en-US': 'Proof required to unlock an account', 'de-DE': 'Erforderlicher Nachweis zum Entsperren eines Kontos', 'fr-FR': 'Preuve requise pour déverrouiller un compte', 'es-ES': 'Prueba necesaria para desbloquear una cuenta', 'nl-NL': 'Vereist bewijs om een account te ontgrendelen' },
    { 'en-US': 'Standalone sites: how many verification methods, and how much total weight, a user must pass before unlocking the account.', 'de-DE': 'Eigenständige Standorte: wie viele Überprüfungsmethoden mit welchem Gesamtgewicht ein Benutzer bestehen muss, bevor er das Konto entsperrt.', 'fr-FR': 'Sites autonomes : combien de méthodes de vérification, et quel poids total, un utilisateur doit réussir avant de déverrouiller le compte.', 'es-ES': 'Sitios independientes: cuántos métodos de verificación, y con qué peso total, debe superar un usuario antes de desbloquear la cuenta.', 'nl-NL': 'Zelfstandige locaties: hoeveel verificatiemethoden, en welk totaalgewicht, een gebruiker moet doorstaan voordat het account wordt ontgrendeld.' }),
  requirement('Reset',
    { 'en-US': 'Proof required to reset a password', 'de-DE': 'Erforderlicher Nachweis zum Zurücksetzen eines Kennworts', 'fr-FR': 'Preuve requise pour réinitialiser un mot de passe', 'es-ES': 'Prueba necesaria para restablecer una contraseña', 'nl-NL': 'Vereist bewijs om een wachtwoord opnieuw in te stellen' },
    { 'en-US': 'Standalone sites: how many verification methods, and how much total weight, a user must pass before setting a new password.', 'de-DE': 'Eigenständige Standorte: wie viele Überprüfungsmethoden mit welchem Gesamtgewicht ein Benutzer bestehen muss, bevor er ein neues Kennwort festlegt.', 'fr-FR': 'Sites autonomes : combien de méthodes de vérification, et quel poids total, un utilisateur doit réussir avant de définir un nouveau mot de passe.', 'es-ES': 'Sitios independientes: cuántos métodos de verificación, y con qué peso total, debe superar un usuario antes de establecer una contraseña nueva.', 'nl-NL': 'Zelfstandige locaties: hoeveel verificatiemethoden, en welk totaalgewicht, een gebruiker moet doorstaan voordat een nieuw wachtwoord wordt ingesteld.' }),
];

const cpShowHelp = (link: T, extra: T): T => join({
  'en-US': `Controls the "${link['en-US']}" link on the Keyhatch tile of the sign-in and unlock screens.\n\nIf you enable or do not configure this policy setting, the link is shown whenever the Keyhatch service answers.\n\nIf you disable this policy setting, the link is hidden. When both links are hidden, the Keyhatch tile is not shown at all.`,
  'de-DE': `Steuert den Link „${link['de-DE']}“ auf der Keyhatch-Kachel des Anmelde- und des Entsperrbildschirms.\n\nWenn Sie diese Richtlinieneinstellung aktivieren oder nicht konfigurieren, wird der Link angezeigt, sobald der Keyhatch-Dienst antwortet.\n\nWenn Sie sie deaktivieren, wird der Link ausgeblendet. Sind beide Links ausgeblendet, erscheint die Keyhatch-Kachel gar nicht.`,
  'fr-FR': `Contrôle le lien « ${link['fr-FR']} » de la vignette Keyhatch des écrans d'ouverture de session et de déverrouillage.\n\nSi vous activez ou ne configurez pas ce paramètre de stratégie, le lien est affiché dès que le service Keyhatch répond.\n\nSi vous le désactivez, le lien est masqué. Quand les deux liens sont masqués, la vignette Keyhatch n'apparaît pas.`,
  'es-ES': `Controla el vínculo «${link['es-ES']}» del icono de Keyhatch en las pantallas de inicio de sesión y desbloqueo.\n\nSi habilita o no configura esta opción de directiva, el vínculo se muestra siempre que el servicio Keyhatch responda.\n\nSi la deshabilita, el vínculo se oculta. Si ambos vínculos están ocultos, el icono de Keyhatch no se muestra.`,
  'nl-NL': `Bepaalt de koppeling "${link['nl-NL']}" op de Keyhatch-tegel van het aanmeld- en ontgrendelscherm.\n\nAls u deze beleidsinstelling inschakelt of niet configureert, wordt de koppeling getoond zodra de Keyhatch-service antwoordt.\n\nAls u deze uitschakelt, wordt de koppeling verborgen. Zijn beide koppelingen verborgen, dan verschijnt de Keyhatch-tegel helemaal niet.`,
}, extra);

const cpTextHelp = (link: T, extra: T): T => join({
  'en-US': `Replaces the text of the "${link['en-US']}" link, in every language, with the text you enter (at most 256 characters, one line).\n\nIf you disable or do not configure this policy setting, the link uses Keyhatch's translated text in the display language (or the language set by the "Language of the logon links" policy).`,
  'de-DE': `Ersetzt den Text des Links „${link['de-DE']}“ in allen Sprachen durch Ihren Text (höchstens 256 Zeichen, eine Zeile).\n\nWenn Sie diese Richtlinieneinstellung deaktivieren oder nicht konfigurieren, verwendet der Link den übersetzten Text von Keyhatch in der Anzeigesprache (oder der Sprache der Richtlinie „Sprache der Anmeldelinks“).`,
  'fr-FR': `Remplace le texte du lien « ${link['fr-FR']} », dans toutes les langues, par le texte saisi (256 caractères au plus, une ligne).\n\nSi vous désactivez ou ne configurez pas ce paramètre de stratégie, le lien utilise le texte traduit de Keyhatch dans la langue d'affichage (ou celle de la stratégie « Langue des liens d'ouverture de session »).`,
  'es-ES': `Sustituye el texto del vínculo «${link['es-ES']}», en todos los idiomas, por el texto que escriba (256 caracteres como máximo, una línea).\n\nSi deshabilita o no configura esta opción de directiva, el vínculo usa el texto traducido de Keyhatch en el idioma de presentación (o el de la directiva «Idioma de los vínculos de inicio de sesión»).`,
  'nl-NL': `Vervangt de tekst van de koppeling "${link['nl-NL']}" in alle talen door uw tekst (maximaal 256 tekens, één regel).\n\nAls u deze beleidsinstelling uitschakelt of niet configureert, gebruikt de koppeling de vertaalde tekst van Keyhatch in de weergavetaal (of de taal van het beleid "Taal van de aanmeldkoppelingen").`,
}, extra);

const FORGOT: T = { 'en-US': 'Forgot password?', 'de-DE': 'Kennwort vergessen?', 'fr-FR': 'Mot de passe oublié ?', 'es-ES': '¿Olvidó su contraseña?', 'nl-NL': 'Wachtwoord vergeten?' };
const UNLOCK: T = { 'en-US': 'Unlock account', 'de-DE': 'Konto entsperren', 'fr-FR': 'Déverrouiller le compte', 'es-ES': 'Desbloquear cuenta', 'nl-NL': 'Account ontgrendelen' };
const NEXT_SCREEN: T = { 'en-US': 'Takes effect the next time the sign-in or unlock screen is shown.', 'de-DE': 'Wirkt beim nächsten Anzeigen des Anmelde- oder Entsperrbildschirms.', 'fr-FR': 'Prend effet au prochain affichage de l\'écran d\'ouverture de session ou de déverrouillage.', 'es-ES': 'Surte efecto la próxima vez que se muestre la pantalla de inicio de sesión o de desbloqueo.', 'nl-NL': 'Wordt van kracht de volgende keer dat het aanmeld- of ontgrendelscherm verschijnt.' };
const LINK_TEXT: T = { 'en-US': 'Link text:', 'de-DE': 'Linktext:', 'fr-FR': 'Texte du lien :', 'es-ES': 'Texto del vínculo:', 'nl-NL': 'Koppelingstekst:' };
const showName = (link: T): T => ({ 'en-US': `Show the "${link['en-US']}" link`, 'de-DE': `Link „${link['de-DE']}“ anzeigen`, 'fr-FR': `Afficher le lien « ${link['fr-FR']} »`, 'es-ES': `Mostrar el vínculo «${link['es-ES']}»`, 'nl-NL': `Koppeling "${link['nl-NL']}" tonen` });
const textName = (link: T): T => ({ 'en-US': `Text of the "${link['en-US']}" link`, 'de-DE': `Text des Links „${link['de-DE']}“`, 'fr-FR': `Texte du lien « ${link['fr-FR']} »`, 'es-ES': `Texto del vínculo «${link['es-ES']}»`, 'nl-NL': `Tekst van de koppeling "${link['nl-NL']}"` });

POLICIES.push(
  { id: 'ShowForgotPassword', category: 'CredentialProvider', key: 'CredentialProvider', flag: 'ShowForgotPassword', name: showName(FORGOT), help: cpShowHelp(FORGOT, join(regLine('CredentialProvider', 'REG_DWORD ShowForgotPassword (1, 0)'), NEXT_SCREEN)) },
  { id: 'ShowUnlockAccount', category: 'CredentialProvider', key: 'CredentialProvider', flag: 'ShowUnlockAccount', name: showName(UNLOCK), help: cpShowHelp(UNLOCK, join(regLine('CredentialProvider', 'REG_DWORD ShowUnlockAccount (1, 0)'), NEXT_SCREEN)) },
  { id: 'ForgotPasswordText', category: 'CredentialProvider', key: 'CredentialProvider', name: textName(FORGOT), help: cpTextHelp(FORGOT, regLine('CredentialProvider', 'REG_SZ ForgotPasswordText')), elements: [{ kind: 'text', id: 'ForgotPasswordText', maxLength: 256, label: LINK_TEXT }] },
  { id: 'UnlockAccountText', category: 'CredentialProvider', key: 'CredentialProvider', name: textName(UNLOCK), help: cpTextHelp(UNLOCK, regLine('CredentialProvider', 'REG_SZ UnlockAccountText')), elements: [{ kind: 'text', id: 'UnlockAccountText', maxLength: 256, label: LINK_TEXT }] },
  {
    id: 'Language', category: 'CredentialProvider', key: 'CredentialProvider',
    name: { 'en-US': 'Language of the logon links', 'de-DE': 'Sprache der Anmeldelinks', 'fr-FR': 'Langue des liens d\'ouverture de session', 'es-ES': 'Idioma de los vínculos de inicio de sesión', 'nl-NL': 'Taal van de aanmeldkoppelingen' },
    help: join({
      'en-US': 'Sets the language of the Keyhatch tile\'s texts regardless of the machine\'s display language. Enter a language tag such as en, de, fr, es or nl (a region such as de-AT is accepted and uses the German texts).\n\nIf you disable or do not configure this policy setting, or enter a language Keyhatch does not have, the machine\'s display language is used, and English when Keyhatch has no translation for it.',
      'de-DE': 'Legt die Sprache der Texte der Keyhatch-Kachel unabhängig von der Anzeigesprache fest. Geben Sie eine Sprachkennung wie en, de, fr, es oder nl ein (eine Region wie de-AT ist zulässig und verwendet die deutschen Texte).\n\nOhne Konfiguration, oder bei einer Sprache, die Keyhatch nicht kennt, gilt die Anzeigesprache und ohne Übersetzung Englisch.',
      'fr-FR': 'Définit la langue des textes de la vignette Keyhatch, quelle que soit la langue d\'affichage. Saisissez une balise comme en, de, fr, es ou nl (une région comme fr-BE est acceptée et utilise les textes français).\n\nSans configuration, ou pour une langue que Keyhatch ne connaît pas, la langue d\'affichage est utilisée, puis l\'anglais à défaut de traduction.',
      'es-ES': 'Establece el idioma de los textos del icono de Keyhatch con independencia del idioma de presentación. Escriba una etiqueta como en, de, fr, es o nl (se acepta una región como es-MX, que usa los textos en español).\n\nSi no se configura, o el idioma no está disponible en Keyhatch, se usa el idioma de presentación y, sin traducción, el inglés.',
      'nl-NL': 'Bepaalt de taal van de teksten op de Keyhatch-tegel, los van de weergavetaal. Voer een taalcode in zoals en, de, fr, es of nl (een regio zoals nl-BE is toegestaan en gebruikt de Nederlandse teksten).\n\nZonder configuratie, of bij een taal die Keyhatch niet kent, geldt de weergavetaal en zonder vertaling Engels.',
    }, regLine('CredentialProvider', 'REG_SZ Language')),
    elements: [{ kind: 'text', id: 'Language', maxLength: 15, label: { 'en-US': 'Language tag (en, de, fr, es, nl):', 'de-DE': 'Sprachkennung (en, de, fr, es, nl):', 'fr-FR': 'Balise de langue (en, de, fr, es, nl) :', 'es-ES': 'Etiqueta de idioma (en, de, fr, es, nl):', 'nl-NL': 'Taalcode (en, de, fr, es, nl):' } }],
  },
);

export const SUPPORTED: T = {
  'en-US': 'Keyhatch 0.1 or later on Windows 10, Windows 11, Windows Server 2016 or later',
  'de-DE': 'Keyhatch 0.1 oder höher unter Windows 10, Windows 11, Windows Server 2016 oder höher',
  'fr-FR': 'Keyhatch 0.1 ou version ultérieure sous Windows 10, Windows 11, Windows Server 2016 ou version ultérieure',
  'es-ES': 'Keyhatch 0.1 o posterior en Windows 10, Windows 11, Windows Server 2016 o posterior',
  'nl-NL': 'Keyhatch 0.1 of later op Windows 10, Windows 11, Windows Server 2016 of later',
};
export const DESCRIPTION: T = {
  'en-US': 'Keyhatch self-service password reset: service, relay, kiosk, verification and logon screen settings.',
  'de-DE': 'Keyhatch-Self-Service-Kennwortzurücksetzung: Einstellungen für Dienst, Relay, Kiosk, Überprüfung und Anmeldebildschirm.',
  'fr-FR': 'Réinitialisation du mot de passe en libre-service Keyhatch : paramètres du service, du relais, du kiosque, de la vérification et de l\'écran d\'ouverture de session.',
  'es-ES': 'Restablecimiento de contraseña de autoservicio Keyhatch: configuración del servicio, el relé, el quiosco, la verificación y la pantalla de inicio de sesión.',
  'nl-NL': 'Keyhatch-selfservice voor wachtwoordherstel: instellingen voor service, relay, kiosk, verificatie en aanmeldscherm.',
};
