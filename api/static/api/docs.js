"use strict";
// Starts Swagger UI on the schema named by the page (a static file: no inline script).
(function () {
  var root = document.getElementById("swagger-ui");
  var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]*)/) || [])[1];
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
    requestInterceptor: function (request) {
      // The browser session needs the CSRF token on unsafe methods.
      if (csrf && request.method && request.method !== "GET") {
        request.headers["X-CSRFToken"] = decodeURIComponent(csrf);
      }
      return request;
    },
  });
})();
