// When a page's filters change, drop the rows a case grid has loaded so it asks the server again.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  pvp: {
    purgeGrid: function (_filters, gridId) {
      if (window.dash_ag_grid && window.dash_ag_grid.getApi) {
        try {
          const api = window.dash_ag_grid.getApi(gridId);
          if (api) { api.purgeInfiniteCache(); }
        } catch (e) { /* the grid is not mounted yet: it will ask for rows when it is */ }
      }
      return window.dash_clientside.no_update;
    },
    // The page's filters in the address: a view can be bookmarked, shared and reloaded, and
    // Back returns to the previous filters (the page is rebuilt from the address).
    filtersToAddress: function (store) {
      if (!store) { return window.dash_clientside.no_update; }
      const params = new URLSearchParams();
      Object.keys(store).sort().forEach(function (key) {
        let value = store[key];
        if (value === null || value === undefined || value === '') { return; }
        (Array.isArray(value) ? value : [value]).forEach(function (v) {
          params.append(key, key === 'as_of' ? String(v).slice(0, 10) : String(v));
        });
      });
      const query = params.toString();
      const target = window.location.pathname + (query ? '?' + query : '');
      if (target !== window.location.pathname + window.location.search) {
        window.history.pushState(null, '', target);
      }
      return window.dash_clientside.no_update;
    },
  },
});
