// Every `bootherd` command, in the order help lists them. A new command is one
// file under commands/ (a defineCommand spec) and one line here.
import type { Command } from './command.js';
import completion from './commands/completion.js';
import demo from './commands/demo.js';
import dhcpConfig from './commands/dhcp-config.js';
import eepromConfig from './commands/eeprom-config.js';
import firmwareImport from './commands/firmware-import.js';
import imageBuild from './commands/image-build.js';
import imagesAdd from './commands/images-add.js';
import imagesImport from './commands/images-import.js';
import imagesList from './commands/images-list.js';
import imagesRm from './commands/images-rm.js';
import imagesShow from './commands/images-show.js';
import installService from './commands/install-service.js';
import nodesAction from './commands/nodes-action.js';
import nodesDelete from './commands/nodes-delete.js';
import nodesEvents from './commands/nodes-events.js';
import nodesList from './commands/nodes-list.js';
import nodesPower from './commands/nodes-power.js';
import nodesReleaseIdentity from './commands/nodes-release-identity.js';
import nodesSet from './commands/nodes-set.js';
import nodesSetTarget from './commands/nodes-set-target.js';
import nodesShow from './commands/nodes-show.js';
import nodesWatch from './commands/nodes-watch.js';
import render from './commands/render.js';
import rulesAdd from './commands/rules-add.js';
import rulesApply from './commands/rules-apply.js';
import rulesEdit from './commands/rules-edit.js';
import rulesList from './commands/rules-list.js';
import rulesRm from './commands/rules-rm.js';
import rulesShow from './commands/rules-show.js';
import migrate from './commands/migrate.js';
import serve from './commands/serve.js';
import storeExport from './commands/store-export.js';
import storeImport from './commands/store-import.js';

/** The command table: parser, help, suggestions and completion all read it. */
export const commands: readonly Command[] = [
  serve,
  migrate,
  storeExport,
  storeImport,
  nodesList,
  nodesShow,
  nodesSet,
  nodesSetTarget,
  nodesAction,
  nodesEvents,
  nodesWatch,
  nodesPower,
  nodesDelete,
  nodesReleaseIdentity,
  render,
  rulesList,
  rulesShow,
  rulesAdd,
  rulesEdit,
  rulesRm,
  rulesApply,
  imagesList,
  imagesShow,
  imagesAdd,
  imagesRm,
  imagesImport,
  imageBuild,
  firmwareImport,
  dhcpConfig,
  eepromConfig,
  installService,
  demo,
  completion,
];
