"""The vHBA lifecycle: create and delete vports, persistent definitions, pools."""
