// "Go back" links (a[data-back]): back to the previous page when there is one, otherwise the
// link's own address. A file rather than an inline handler: the CSP allows no inline script.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
