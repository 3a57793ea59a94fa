// Starts Swagger UI on /api/docs (a file, not an inline script, for the Content-Security-Policy).
window.addEventListener("DOMContentLoaded", function () {
  window.SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
