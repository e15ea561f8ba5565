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
  },
});
