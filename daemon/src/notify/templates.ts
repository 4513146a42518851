// Localised texts for codes and notices. Keys are stable; {placeholders} are filled in.
export type TemplateKind = 'code' | 'reset' | 'unlock' | 'factorAdded' | 'factorRemoved' | 'resetIncomplete' | 'callerCode' | 'callerLink';
export const LOCALES = ['en', 'de', 'fr', 'es', 'nl'] as const;
export type Locale = (typeof LOCALES)[number];

type Text = { subject: string; text: string };
const T: Record<Locale, Record<TemplateKind, Text>> = {
  en: {
    code: { subject: 'Your Keyhatch verification code', text: 'Your verification code is {code}. It expires in {minutes} minutes. If you did not ask for it, tell your help desk.' },
    reset: { subject: 'Your password was reset', text: 'The password of {user} was reset at {time} using self-service. If this was not you, contact your help desk immediately.' },
    unlock: { subject: 'Your account was unlocked', text: 'The account {user} was unlocked at {time} using self-service. If this was not you, contact your help desk immediately.' },
    factorAdded: { subject: 'A verification method was added', text: 'A verification method ({method}) was added to {user} at {time}. If this was not you, contact your help desk immediately.' },
    factorRemoved: { subject: 'A verification method was removed', text: 'A verification method ({method}) was removed from {user} at {time}. If this was not you, contact your help desk immediately.' },
    resetIncomplete: { subject: 'Your password reset did not finish', text: 'A password reset for {user} started at {time} did not finish. Your old password no longer works: start the reset again or call your help desk.' },
    callerCode: { subject: 'Your help desk is verifying your identity', text: 'Read this code to the help-desk agent you are on a call with: {code}. It expires in {minutes} minutes. If you are not on a call with your help desk, do not give it to anyone: someone may be pretending to be you.' },
    callerLink: { subject: 'Your help desk asks you to confirm it is you', text: 'Open this link and use your security key to show the help-desk agent you are on a call with that it is you: {link} It expires in {minutes} minutes. If you are not on a call with your help desk, do not open it: someone may be pretending to be you.' },
  },
  de: {
    code: { subject: 'Ihr Keyhatch-Bestätigungscode', text: 'Ihr Bestätigungscode lautet {code}. Er läuft in {minutes} Minuten ab. Wenn Sie ihn nicht angefordert haben, informieren Sie Ihren Helpdesk.' },
    reset: { subject: 'Ihr Kennwort wurde zurückgesetzt', text: 'Das Kennwort von {user} wurde um {time} per Self-Service zurückgesetzt. Falls Sie das nicht waren, wenden Sie sich sofort an Ihren Helpdesk.' },
    unlock: { subject: 'Ihr Konto wurde entsperrt', text: 'Das Konto {user} wurde um {time} per Self-Service entsperrt. Falls Sie das nicht waren, wenden Sie sich sofort an Ihren Helpdesk.' },
    factorAdded: { subject: 'Eine Bestätigungsmethode wurde hinzugefügt', text: 'Eine Bestätigungsmethode ({method}) wurde {user} um {time} hinzugefügt. Falls Sie das nicht waren, wenden Sie sich sofort an Ihren Helpdesk.' },
    factorRemoved: { subject: 'Eine Bestätigungsmethode wurde entfernt', text: 'Eine Bestätigungsmethode ({method}) wurde bei {user} um {time} entfernt. Falls Sie das nicht waren, wenden Sie sich sofort an Ihren Helpdesk.' },
    resetIncomplete: { subject: 'Ihre Kennwortzurücksetzung wurde nicht abgeschlossen', text: 'Eine Kennwortzurücksetzung für {user} (gestartet {time}) wurde nicht abgeschlossen. Ihr altes Kennwort gilt nicht mehr: Starten Sie die Zurücksetzung erneut oder rufen Sie Ihren Helpdesk an.' },
    callerCode: { subject: 'Ihr Helpdesk bestätigt Ihre Identität', text: 'Lesen Sie diesen Code dem Helpdesk-Mitarbeiter vor, mit dem Sie gerade telefonieren: {code}. Er läuft in {minutes} Minuten ab. Wenn Sie gerade nicht mit Ihrem Helpdesk telefonieren, geben Sie ihn niemandem: Jemand gibt sich vielleicht als Sie aus.' },
    callerLink: { subject: 'Ihr Helpdesk bittet Sie zu bestätigen, dass Sie es sind', text: 'Öffnen Sie diesen Link und verwenden Sie Ihren Sicherheitsschlüssel, um dem Helpdesk-Mitarbeiter, mit dem Sie telefonieren, zu zeigen, dass Sie es sind: {link} Er läuft in {minutes} Minuten ab. Wenn Sie gerade nicht mit Ihrem Helpdesk telefonieren, öffnen Sie ihn nicht: Jemand gibt sich vielleicht als Sie aus.' },
  },
  fr: {
    code: { subject: 'Votre code de vérification Keyhatch', text: 'Votre code de vérification est {code}. Il expire dans {minutes} minutes. Si vous ne l’avez pas demandé, prévenez votre support.' },
    reset: { subject: 'Votre mot de passe a été réinitialisé', text: 'Le mot de passe de {user} a été réinitialisé à {time} en libre-service. Si ce n’était pas vous, contactez immédiatement votre support.' },
    unlock: { subject: 'Votre compte a été déverrouillé', text: 'Le compte {user} a été déverrouillé à {time} en libre-service. Si ce n’était pas vous, contactez immédiatement votre support.' },
    factorAdded: { subject: 'Une méthode de vérification a été ajoutée', text: 'Une méthode de vérification ({method}) a été ajoutée à {user} à {time}. Si ce n’était pas vous, contactez immédiatement votre support.' },
    factorRemoved: { subject: 'Une méthode de vérification a été supprimée', text: 'Une méthode de vérification ({method}) a été supprimée de {user} à {time}. Si ce n’était pas vous, contactez immédiatement votre support.' },
    resetIncomplete: { subject: 'La réinitialisation de votre mot de passe n’a pas abouti', text: 'Une réinitialisation du mot de passe de {user} commencée à {time} n’a pas abouti. Votre ancien mot de passe ne fonctionne plus : recommencez ou appelez votre support.' },
    callerCode: { subject: 'Votre support vérifie votre identité', text: 'Lisez ce code à l’agent du support avec qui vous êtes en ligne : {code}. Il expire dans {minutes} minutes. Si vous n’êtes pas en ligne avec votre support, ne le donnez à personne : quelqu’un se fait peut-être passer pour vous.' },
    callerLink: { subject: 'Votre support vous demande de confirmer que c’est vous', text: 'Ouvrez ce lien et utilisez votre clé de sécurité pour montrer à l’agent du support avec qui vous êtes en ligne que c’est bien vous : {link} Il expire dans {minutes} minutes. Si vous n’êtes pas en ligne avec votre support, ne l’ouvrez pas : quelqu’un se fait peut-être passer pour vous.' },
  },
  es: {
    code: { subject: 'Su código de verificación de Keyhatch', text: 'Su código de verificación es {code}. Caduca en {minutes} minutos. Si no lo ha solicitado, avise a su servicio de ayuda.' },
    reset: { subject: 'Su contraseña se ha restablecido', text: 'La contraseña de {user} se restableció a las {time} mediante autoservicio. Si no fue usted, contacte de inmediato con su servicio de ayuda.' },
    unlock: { subject: 'Su cuenta se ha desbloqueado', text: 'La cuenta {user} se desbloqueó a las {time} mediante autoservicio. Si no fue usted, contacte de inmediato con su servicio de ayuda.' },
    factorAdded: { subject: 'Se añadió un método de verificación', text: 'Se añadió un método de verificación ({method}) a {user} a las {time}. Si no fue usted, contacte de inmediato con su servicio de ayuda.' },
    factorRemoved: { subject: 'Se eliminó un método de verificación', text: 'Se eliminó un método de verificación ({method}) de {user} a las {time}. Si no fue usted, contacte de inmediato con su servicio de ayuda.' },
    resetIncomplete: { subject: 'El restablecimiento de su contraseña no terminó', text: 'Un restablecimiento de contraseña de {user} iniciado a las {time} no terminó. Su contraseña anterior ya no funciona: vuelva a empezar o llame a su servicio de ayuda.' },
    callerCode: { subject: 'Su servicio de ayuda está verificando su identidad', text: 'Lea este código al agente del servicio de ayuda con quien está hablando: {code}. Caduca en {minutes} minutos. Si no está hablando con su servicio de ayuda, no se lo dé a nadie: alguien puede estar haciéndose pasar por usted.' },
    callerLink: { subject: 'Su servicio de ayuda le pide que confirme que es usted', text: 'Abra este enlace y use su llave de seguridad para mostrar al agente del servicio de ayuda con quien está hablando que es usted: {link} Caduca en {minutes} minutos. Si no está hablando con su servicio de ayuda, no lo abra: alguien puede estar haciéndose pasar por usted.' },
  },
  nl: {
    code: { subject: 'Uw Keyhatch-verificatiecode', text: 'Uw verificatiecode is {code}. Deze verloopt over {minutes} minuten. Hebt u hem niet aangevraagd, meld het dan aan uw helpdesk.' },
    reset: { subject: 'Uw wachtwoord is opnieuw ingesteld', text: 'Het wachtwoord van {user} is om {time} via selfservice opnieuw ingesteld. Was u dit niet, neem dan direct contact op met uw helpdesk.' },
    unlock: { subject: 'Uw account is ontgrendeld', text: 'Het account {user} is om {time} via selfservice ontgrendeld. Was u dit niet, neem dan direct contact op met uw helpdesk.' },
    factorAdded: { subject: 'Er is een verificatiemethode toegevoegd', text: 'Er is een verificatiemethode ({method}) toegevoegd aan {user} om {time}. Was u dit niet, neem dan direct contact op met uw helpdesk.' },
    factorRemoved: { subject: 'Er is een verificatiemethode verwijderd', text: 'Er is een verificatiemethode ({method}) verwijderd van {user} om {time}. Was u dit niet, neem dan direct contact op met uw helpdesk.' },
    resetIncomplete: { subject: 'Uw wachtwoordherstel is niet voltooid', text: 'Een wachtwoordherstel voor {user}, gestart om {time}, is niet voltooid. Uw oude wachtwoord werkt niet meer: begin opnieuw of bel uw helpdesk.' },
    callerCode: { subject: 'Uw helpdesk controleert uw identiteit', text: 'Lees deze code voor aan de helpdeskmedewerker met wie u belt: {code}. Deze verloopt over {minutes} minuten. Belt u niet met uw helpdesk, geef hem dan aan niemand: iemand doet zich misschien voor als u.' },
    callerLink: { subject: 'Uw helpdesk vraagt u te bevestigen dat u het bent', text: 'Open deze link en gebruik uw beveiligingssleutel om de helpdeskmedewerker met wie u belt te laten zien dat u het bent: {link} Deze verloopt over {minutes} minuten. Belt u niet met uw helpdesk, open hem dan niet: iemand doet zich misschien voor als u.' },
  },
};

export function pickLocale(wanted: string | undefined): Locale {
  const base = (wanted ?? 'en').toLowerCase().split(/[-_]/)[0] as Locale;
  return (LOCALES as readonly string[]).includes(base) ? base : 'en';
}

export function render(kind: TemplateKind, locale: string | undefined, vars: Record<string, string>): Text {
  const t = T[pickLocale(locale)][kind];
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? `{${k}}`);
  return { subject: fill(t.subject), text: fill(t.text) };
}

/** How notices show a moment: "2026-11-22 07:10 UTC" (the recipient's zone is unknown). */
export function noticeTime(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}
