// Reloads the overview every five minutes while it is in view (the page works without this).
if (document.querySelector('form.filter')) {
  setInterval(() => { if (document.visibilityState === 'visible') location.reload(); }, 5 * 60 * 1000);
}
