// Sending an SMS goes through one small interface; providers are adapters (sms-webhook.ts, sms-twilio.ts).
export interface SmsSender {
  /** Human name for logs and doctor ("Twilio", "webhook"). */
  readonly label: string;
  /** Throws KeyhatchError('SMS_FAILED') with a reason (never the message text) when the provider refuses. */
  send(to: string, text: string): Promise<void>;
}
