// Localised texts of the password-expiry reminder and the enrollment campaign mail (same style and
// languages as notify/templates.ts). {placeholders} are filled in; none of them is a secret.
import { pickLocale, type Locale } from '../../notify/templates.js';

export type ReminderKind = 'expiry' | 'campaign';
type Text = { subject: string; text: string };

const T: Record<Locale, Record<ReminderKind, Text>> = {
  en: {
    expiry: { subject: 'Your password expires in {days} days', text: 'Hello {name}, the password of {user} expires on {date} (in {days} days). Change it before then with Ctrl+Alt+Del > Change a password. If you forget it, use "Forgot password?" on the Windows sign-in screen.' },
    campaign: { subject: 'Set up password self-service', text: 'Hello {name}, set up Keyhatch for {user} now, so you can reset your password or unlock your account yourself from the Windows sign-in screen: {link} It takes two minutes.' },
  },
  de: {
    expiry: { subject: 'Ihr Kennwort läuft in {days} Tagen ab', text: 'Hallo {name}, das Kennwort von {user} läuft am {date} ab (in {days} Tagen). Ändern Sie es vorher mit Strg+Alt+Entf > Kennwort ändern. Falls Sie es vergessen, nutzen Sie „Kennwort vergessen?“ auf dem Windows-Anmeldebildschirm.' },
    campaign: { subject: 'Richten Sie die Kennwort-Selbsthilfe ein', text: 'Hallo {name}, richten Sie Keyhatch für {user} jetzt ein, damit Sie Ihr Kennwort selbst zurücksetzen oder Ihr Konto am Windows-Anmeldebildschirm entsperren können: {link} Es dauert zwei Minuten.' },
  },
  fr: {
    expiry: { subject: 'Votre mot de passe expire dans {days} jours', text: 'Bonjour {name}, le mot de passe de {user} expire le {date} (dans {days} jours). Changez-le avant avec Ctrl+Alt+Suppr > Modifier un mot de passe. En cas d’oubli, utilisez « Mot de passe oublié ? » sur l’écran de connexion Windows.' },
    campaign: { subject: 'Activez la réinitialisation en libre-service', text: 'Bonjour {name}, configurez Keyhatch pour {user} dès maintenant afin de réinitialiser votre mot de passe ou déverrouiller votre compte vous-même depuis l’écran de connexion Windows : {link} Cela prend deux minutes.' },
  },
  es: {
    expiry: { subject: 'Su contraseña caduca en {days} días', text: 'Hola {name}, la contraseña de {user} caduca el {date} (en {days} días). Cámbiela antes con Ctrl+Alt+Supr > Cambiar una contraseña. Si la olvida, use «¿Olvidó la contraseña?» en la pantalla de inicio de sesión de Windows.' },
    campaign: { subject: 'Configure el autoservicio de contraseñas', text: 'Hola {name}, configure Keyhatch para {user} ahora y podrá restablecer su contraseña o desbloquear su cuenta usted mismo desde la pantalla de inicio de sesión de Windows: {link} Se tarda dos minutos.' },
  },
  nl: {
    expiry: { subject: 'Uw wachtwoord verloopt over {days} dagen', text: 'Hallo {name}, het wachtwoord van {user} verloopt op {date} (over {days} dagen). Wijzig het vóór die tijd met Ctrl+Alt+Del > Wachtwoord wijzigen. Vergeten? Gebruik dan "Wachtwoord vergeten?" op het Windows-aanmeldscherm.' },
    campaign: { subject: 'Stel wachtwoord-selfservice in', text: 'Hallo {name}, stel Keyhatch nu in voor {user}, zodat u uw wachtwoord zelf kunt herstellen of uw account kunt ontgrendelen vanaf het Windows-aanmeldscherm: {link} Het duurt twee minuten.' },
  },
};

export function renderReminder(kind: ReminderKind, locale: string | undefined, vars: Record<string, string>): Text {
  const t = T[pickLocale(locale)][kind];
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? `{${k}}`);
  return { subject: fill(t.subject), text: fill(t.text) };
}
