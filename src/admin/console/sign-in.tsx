import { ConsolePage, PostForm, type Chrome } from "./layout";

export function SignInPage(props: { chrome: Chrome; next: string; identifier?: string; error?: string }) {
  return (
    <ConsolePage title="Sign in" chrome={props.chrome}>
      <div class="panel">
        <h1>Sign in</h1>
        <p class="subtitle">Staff accounts only. Use the credentials you use everywhere else.</p>
        {props.error && (
          <p class="notice error" role="alert">
            {props.error}
          </p>
        )}
        <PostForm action="/admin/login" csrf={props.chrome.csrf}>
          <input type="hidden" name="next" value={props.next} />
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
