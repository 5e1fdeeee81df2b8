import { ACCOUNT_SCRIPT, ConsolePage, ErrorNotice, PasskeyForm, PostForm, type Chrome } from "./layout";

/**
 * Username-or-e-mail and password, or a passkey instead: the sign-in of the console and of the account
 * page (`next`, when given, is where the console goes afterwards).
 */
export function SignInForm(props: {
  action: string;
  csrf: string;
  next?: string;
  identifier?: string;
  error?: string;
}) {
  return (
    <>
      <ErrorNotice message={props.error} />
      <PostForm action={props.action} csrf={props.csrf}>
        {props.next !== undefined && <input type="hidden" name="next" value={props.next} />}
        <div class="field">
          <label for="identifier">Username or e-mail</label>
          <input
            id="identifier"
            name="username"
            type="text"
            autocomplete="username"
            required
            autofocus
            value={props.identifier ?? ""}
          />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <button type="submit">Sign in</button>
      </PostForm>
      <PasskeyForm id="passkey-sign-in" ceremony="sign-in" next={props.next} label="Sign in with a passkey" />
    </>
  );
}

export function SignInPage(props: { chrome: Chrome; next: string; identifier?: string; error?: string }) {
  return (
    <ConsolePage title="Sign in" chrome={props.chrome} scripts={[ACCOUNT_SCRIPT]}>
      <div class="panel">
        <h1>Sign in</h1>
        <p class="subtitle">Staff accounts only. Use the credentials you use everywhere else.</p>
        <SignInForm
          action="/admin/login"
          csrf={props.chrome.csrf}
          next={props.next}
          identifier={props.identifier}
          error={props.error}
        />
      </div>
    </ConsolePage>
  );
}

/**
 * The second step of a sign-in with two-factor on, offering each second factor the account has
 * (`methods`, as the MFA step names them): a code from the authenticator app or a recovery code, and a
 * passkey. `mfaToken` names the pending sign-in (a hidden field: good for 5 minutes and 5 wrong answers).
 */
export function SecondFactorForm(props: {
  action: string;
  csrf: string;
  mfaToken: string;
  methods: string[];
  next?: string;
  error?: string;
}) {
  const codes = props.methods.includes("totp");
  return (
    <>
      <h1>Two-factor authentication</h1>
      <p class="subtitle">
        {codes
          ? "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
          : "Confirm with your passkey."}
      </p>
      <ErrorNotice message={props.error} />
      {codes && (
        <PostForm action={props.action} csrf={props.csrf}>
          <input type="hidden" name="mfa_token" value={props.mfaToken} />
          {props.next !== undefined && <input type="hidden" name="next" value={props.next} />}
          <div class="field">
            <label for="code">Authentication code</label>
            <input
              id="code"
              name="code"
              type="text"
              inputmode="numeric"
              autocomplete="one-time-code"
              required
              autofocus
              maxlength={32}
            />
          </div>
          <button type="submit">Verify</button>
        </PostForm>
      )}
      {props.methods.includes("passkey") && (
        <PasskeyForm id="passkey-second-factor" ceremony="second-factor" next={props.next} label="Use a passkey">
          <input type="hidden" name="mfa_token" value={props.mfaToken} />
        </PasskeyForm>
      )}
    </>
  );
}

export function SecondFactorPage(props: {
  chrome: Chrome;
  mfaToken: string;
  methods: string[];
  next: string;
  error?: string;
}) {
  return (
    <ConsolePage title="Two-factor authentication" chrome={props.chrome} scripts={[ACCOUNT_SCRIPT]}>
      <div class="panel">
        <SecondFactorForm
          action="/admin/login/mfa"
          csrf={props.chrome.csrf}
          mfaToken={props.mfaToken}
          methods={props.methods}
          next={props.next}
          error={props.error}
        />
      </div>
    </ConsolePage>
  );
}

/** What a signed-in account that is not staff (or a refused action) sees. */
export function MessagePage(props: {
  chrome: Chrome;
  title: string;
  message: string;
  details?: string[];
  back?: string;
  signOut?: boolean;
}) {
  return (
    <ConsolePage title={props.title} chrome={props.chrome}>
      <div class="panel">
        <h1>{props.title}</h1>
        <p role="alert">{props.message}</p>
        {props.details && props.details.length > 0 && (
          <ul class="notice error">
            {props.details.map((detail) => (
              <li>{detail}</li>
            ))}
          </ul>
        )}
        <div class="actions">
          {props.back && (
            <a class="button secondary" href={props.back}>
              Back
            </a>
          )}
          {props.signOut && (
            <PostForm action="/admin/logout" csrf={props.chrome.csrf}>
              <button type="submit" class="secondary">
                Sign in as someone else
              </button>
            </PostForm>
          )}
        </div>
      </div>
    </ConsolePage>
  );
}
