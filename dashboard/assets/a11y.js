// Keyboard and screen-reader use.
(function () {
  // Dash's dropdowns and date pickers are named by their value ("All my areas", "Select
  // Date"); each control a <label for> points at is named by its label first ("Area All my
  // areas"), and kept so when React renders it again.
  function nameByLabels() {
    document.querySelectorAll('label[for]').forEach(function (label) {
      const target = document.getElementById(label.htmlFor);
      if (!target) { return; }
      if (!label.id) { label.id = label.htmlFor + '--label'; }
      const control = target.matches('button, input') ? target : target.querySelector('button, input');
      if (!control) { return; }
      const value = document.getElementById(control.id + '-value');
      const wanted = label.id + (control.tagName === 'BUTTON' && value ? ' ' + value.id : '');
      if (control.getAttribute('aria-labelledby') !== wanted) {
        control.setAttribute('aria-labelledby', wanted);
        control.removeAttribute('aria-label');
      }
    });
  }
  let queued = false;
  new MutationObserver(function () {
    if (queued) { return; }
    queued = true;
    window.requestAnimationFrame(function () { queued = false; nameByLabels(); });
  }).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ['aria-labelledby', 'aria-label', 'for'],
  });

  // A grid cell holding a link (a case id) opens it with Enter, as a focused link would.
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Enter' || !event.target.closest) { return; }
    const cell = event.target.closest('.ag-cell');
    const link = cell && cell.querySelector('a[href]');
    if (link) { event.preventDefault(); link.click(); }
  }, true);
})();
