// The hub's GraphiQL: the token and purpose are typed here and kept in this tab's
// sessionStorage only (never localStorage, never GraphiQL's persisted headers), so they
// are gone when the tab closes. Editor state goes to sessionStorage too: a query may
// carry a child's name.
"use strict";
(function () {
  var TOKEN = "lcs-hub:token";
  var PURPOSE = "lcs-hub:purpose";
  // The page is served by the GraphQL endpoint itself, wherever the hub is mounted.
  var endpoint = window.location.pathname;
  var tokenInput = document.getElementById("token");
  var purposeInput = document.getElementById("purpose");
  var status = document.getElementById("status");
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  var generation = 0;

  tokenInput.value = sessionStorage.getItem(TOKEN) || "";
  purposeInput.value = sessionStorage.getItem(PURPOSE) || "";

  function remember(key, value) {
    if (value) {
      sessionStorage.setItem(key, value);
    } else {
      sessionStorage.removeItem(key);
    }
  }

  async function fetcher(params, options) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    var token = sessionStorage.getItem(TOKEN);
    var purpose = sessionStorage.getItem(PURPOSE);
    var typed = (options && options.headers) || {};
    if (!token && !typed.Authorization) {
      // The hub refuses every operation without a token; say so without asking it.
      return { errors: [{ message: "No bearer token: paste one in the field above (`make run` prints one per persona)" }] };
    }
    if (token) headers.Authorization = "Bearer " + token;
    if (purpose) headers["X-Purpose"] = purpose;
    Object.assign(headers, typed);
    var response = await fetch(endpoint, {
      method: "POST",
      headers: headers,
      body: JSON.stringify(params),
      credentials: "omit",
      cache: "no-store",
    });
    var text = await response.text();
    try {
      return JSON.parse(text);
    } catch (error) {
      return { errors: [{ message: "HTTP " + response.status + ": " + text }] };
    }
  }

  function render() {
    status.textContent = sessionStorage.getItem(TOKEN)
      ? "token set for this tab"
      : "no token: paste one (`make run` prints one per persona)";
    // A new key remounts GraphiQL, so it fetches the schema again with the new token.
    root.render(
      React.createElement(GraphiQL, {
        key: generation,
        fetcher: fetcher,
        storage: window.sessionStorage,
        shouldPersistHeaders: false,
        defaultQuery: "{ me { name role } }\n",
      })
    );
  }

  document.getElementById("session").addEventListener("submit", function (event) {
    event.preventDefault();
    remember(TOKEN, tokenInput.value.trim());
    remember(PURPOSE, purposeInput.value.trim());
    generation += 1;
    render();
  });
  document.getElementById("forget").addEventListener("click", function () {
    tokenInput.value = "";
    purposeInput.value = "";
    sessionStorage.clear();
    generation += 1;
    render();
  });
  render();
})();
